package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/newshound/newshound/config"
)

const healthUsage = `usage: newshound health [--config F] [--url URL]

Exits 0 when the running daemon answers ready on /readyz, 2 when it does
not or cannot be reached (for container health checks). The address is
the config's http.listen (a wildcard host is asked on 127.0.0.1).

  --url URL   ask this URL instead (e.g. http://127.0.0.1:9090/readyz)
  ` + configFlagHelp

// cmdHealth asks the running daemon's /readyz.
func cmdHealth(args []string, stdout, stderr io.Writer) int {
	a, code, ok := parseArgs("health", args, map[string]flagKind{"config": flagValue, "url": flagValue}, 0, 0, healthUsage, stdout, stderr)
	if !ok {
		return code
	}
	url := a.one("url")
	if url == "" {
		cfg, err := config.Load(config.ResolvePath(a.one("config")))
		if err != nil {
			fmt.Fprintln(stderr, "newshound: health:", err)
			return exitInput
		}
		if cfg.HTTP.Listen == "" {
			fmt.Fprintf(stderr, "newshound: health: %s sets no http.listen, so the daemon has no /readyz to ask\n", cfg.Path)
			return exitInput
		}
		url, err = readyzURL(cfg.HTTP.Listen)
		if err != nil {
			fmt.Fprintln(stderr, "newshound: health:", err)
			return exitInput
		}
	}
	return probeReady(url, stdout, stderr)
}

// readyzURL turns an http.listen address into the URL of /readyz.
func readyzURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("http.listen %q: %w", listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

func probeReady(url string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "newshound: health:", err)
		return exitInput
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "newshound: health: no answer from the daemon: %v\n", err)
		return exitRuntime
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	msg := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "newshound: health: %s: %s %s\n", url, resp.Status, msg)
		return exitRuntime
	}
	fmt.Fprintln(stdout, msg)
	return exitOK
}
