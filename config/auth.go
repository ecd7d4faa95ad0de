package config

import (
	"errors"
	"net"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// AuthUser splits an http.auth value of the form USER:BCRYPT_HASH; ok is
// false for a plain token.
func AuthUser(auth string) (user, hash string, ok bool) {
	user, hash, found := strings.Cut(auth, ":")
	if !found || user == "" || !strings.HasPrefix(hash, "$2") {
		return "", "", false
	}
	return user, hash, true
}

// CheckAuth validates an http.auth value: a USER:HASH whose hash bcrypt
// can read, or a token long enough not to be guessed.
func CheckAuth(auth string) error {
	if auth == "" {
		return nil
	}
	if _, hash, ok := AuthUser(auth); ok {
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return errors.New("the password hash after USER: is not a bcrypt hash (make one with `htpasswd -nbB USER PASSWORD`)")
		}
		return nil
	}
	if len(auth) < 16 {
		return errors.New("a token must be at least 16 characters (e.g. `openssl rand -hex 16`)")
	}
	return nil
}

// IsLoopback reports whether the listen address host:port binds only to
// loopback (127.0.0.0/8, ::1, localhost); an empty host binds everywhere.
func IsLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
