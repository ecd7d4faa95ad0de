package feeds

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// BlockedAddressError is the SSRF guard refusing to connect to a non-public
// address (loopback, private, link-local, unspecified, multicast, CGNAT,
// IPv6 ULA, and the same hidden in IPv4-mapped, NAT64 or 6to4 forms) for a
// request without AllowPrivate. The check runs on the resolved address of
// every connection, so DNS names pointing inward and redirects are caught.
type BlockedAddressError struct {
	// URL is the feed URL whose fetch was refused.
	URL string
	// Addr is the refused IP address.
	Addr string
}

// Error implements error.
func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("fetch %s: refused to connect to non-public address %s (feed added from chat; see security.allow_private_feeds)", e.URL, e.Addr)
}

// guardControl returns the net.Dialer Control hook of the guarded transport:
// it sees the address actually being dialled, after DNS resolution, and
// refuses it unless allowed says yes.
func guardControl(allowed func(netip.Addr) bool) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		return checkDialAddr(address, allowed)
	}
}

func checkDialAddr(address string, allowed func(netip.Addr) bool) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		host, _, serr := net.SplitHostPort(address)
		if serr != nil {
			return &BlockedAddressError{Addr: address}
		}
		a, perr := netip.ParseAddr(host)
		if perr != nil {
			return &BlockedAddressError{Addr: address}
		}
		ap = netip.AddrPortFrom(a, 0)
	}
	if !allowed(ap.Addr()) {
		return &BlockedAddressError{Addr: ap.Addr().String()}
	}
	return nil
}

var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNet     = netip.MustParsePrefix("0.0.0.0/8")
	ietfProto   = netip.MustParsePrefix("192.0.0.0/24")
	benchmark   = netip.MustParsePrefix("198.18.0.0/15")
	reserved4   = netip.MustParsePrefix("240.0.0.0/4")
	nat64       = netip.MustParsePrefix("64:ff9b::/96")
	nat64local  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour   = netip.MustParsePrefix("2002::/16")
	teredo      = netip.MustParsePrefix("2001::/32")
	siteLocal6  = netip.MustParsePrefix("fec0::/10")
	discardOnly = netip.MustParsePrefix("100::/64")
)

// IsPublicAddr reports whether a is a globally routable unicast address that
// the SSRF guard lets a chat-added feed reach.
func IsPublicAddr(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	if a.Zone() != "" {
		return false
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() || a.IsMulticast() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		return false
	}
	if a.Is4() {
		if cgnat.Contains(a) || thisNet.Contains(a) || ietfProto.Contains(a) || benchmark.Contains(a) ||
			reserved4.Contains(a) {
			return false
		}
		return true
	}
	// IPv6 forms that embed an IPv4 address: judge the embedded one.
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return IsPublicAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case sixToFour.Contains(a):
		return IsPublicAddr(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
	case nat64local.Contains(a), teredo.Contains(a), siteLocal6.Contains(a), discardOnly.Contains(a):
		return false
	}
	// ::/96 (IPv4-compatible, deprecated) embeds an IPv4 address too.
	if b[0]|b[1]|b[2]|b[3]|b[4]|b[5]|b[6]|b[7]|b[8]|b[9]|b[10]|b[11] == 0 {
		return false
	}
	return true
}

// GuardDialer makes d refuse, with a *BlockedAddressError (its URL empty),
// every connection to an address IsPublicAddr rejects, and returns d. The
// check sees the address actually dialled, after DNS resolution, so it
// holds for every request and redirect made through d. Other packages that
// dial addresses they do not trust (webhook destinations) use it, so there
// is one SSRF policy. A transport using d must not use a proxy, which would
// hide the real destination from the guard.
func GuardDialer(d *net.Dialer) *net.Dialer {
	d.Control = guardControl(IsPublicAddr)
	return d
}
