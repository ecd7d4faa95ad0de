// Command loadfarm measures the real newshound binary from outside its
// process over a generated loopback farm of feeds (issue 17):
//
//	go run ./internal/loadfarm                  # 10,000 feeds of ~40 KB, 50 items each
//	go run ./internal/loadfarm -feeds 2000 -steady 30s
//
// It builds cmd/newshound with `go build`, serves the feeds from several
// HTTP servers on loopback ports (ETag and If-None-Match, so unchanged feeds
// answer 304), writes a config that points at them (the shipped config's
// watches and routes, its feeds replaced), runs `newshound run` and reports:
//
//   - first-cycle feeds/s, from the farm's first request to the cycle's end
//     as the daemon's /metrics reports it;
//   - gofeed's parse-only floor on the same bytes with one goroutine per
//     core, measured in the same run just before the daemon starts, and the
//     ratio of the two;
//   - the daemon's CPU seconds (utime+stime from /proc/PID/stat) for the
//     first cycle, and its peak RSS (VmHWM from /proc/PID/status);
//   - the steady state: daemon CPU per poll answered 304 over a window in
//     which every feed is polled about twice.
//
// It is a program, not a test, so that the daemon is measured as users run
// it: its own process, its own GC settings, its own SQLite file.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mmcdole/gofeed"
	"go.yaml.in/yaml/v3"
)

func main() {
	var o options
	flag.IntVar(&o.feeds, "feeds", 10000, "feeds in the farm")
	flag.IntVar(&o.items, "items", 50, "items per feed")
	flag.IntVar(&o.hosts, "hosts", 16, "loopback HTTP servers (host:port pairs) the feeds are spread over")
	flag.IntVar(&o.itemBytes, "item-bytes", 830, "approximate bytes per item (50 items of 830 B: a ~40 KB feed)")
	flag.DurationVar(&o.steady, "steady", 60*time.Second, "steady-state window of 304 polls")
	flag.DurationVar(&o.interval, "interval", 30*time.Second, "feeds[].interval in the generated config (how often a feed is polled in the steady state)")
	flag.StringVar(&o.bin, "bin", "", "newshound binary to run (default: go build ./cmd/newshound into the work directory)")
	flag.StringVar(&o.dir, "dir", "", "work directory (default: a new temporary one, removed at the end)")
	flag.StringVar(&o.config, "config", "config.yaml", "config whose watches and routes the farm config takes")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory (config, database, daemon log)")
	flag.BoolVar(&o.fresh, "fresh", false, "date the items in the hour before the run instead of January 2026, so that the whole backlog is inside stories.window and the first cycle indexes every item as a story")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadfarm:", err)
		os.Exit(1)
	}
}

type options struct {
	feeds, items, hosts, itemBytes int
	steady, interval               time.Duration
	bin, dir, config               string
	keep, fresh                    bool
}

func run(o options) error {
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "loadfarm-")
		if err != nil {
			return err
		}
		dir = d
		if !o.keep {
			defer os.RemoveAll(dir)
		}
	}
	if o.bin == "" {
		o.bin = filepath.Join(dir, "newshound")
		fmt.Fprintln(os.Stderr, "building ./cmd/newshound ...")
		build := exec.Command("go", "build", "-o", o.bin, "./cmd/newshound")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	f := &farm{items: o.items, itemBytes: o.itemBytes, base: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if o.fresh {
		f.base = time.Now().Add(-time.Duration(o.items+1) * time.Minute).Truncate(time.Minute)
	}
	urls, stop, err := f.serve(o.hosts, o.feeds)
	if err != nil {
		return err
	}
	defer stop()

	fmt.Fprintln(os.Stderr, "measuring gofeed's parse-only floor on the farm's bytes ...")
	floor, avgBytes := parseFloor(f, o.feeds)

	metricsAddr, err := freeAddr()
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "farm.yaml")
	if err := writeConfig(o, cfgPath, filepath.Join(dir, "farm.db"), metricsAddr, urls); err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "daemon.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(o.bin, "run", "--config", cfgPath)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = daemonEnv()
	fmt.Fprintf(os.Stderr, "running %s over %d feeds ...\n", o.bin, o.feeds)
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
	}()
	pid := cmd.Process.Pid

	cycleEnd, err := waitFirstCycle(metricsAddr, pid, func() bool { return f.full.Load() >= int64(o.feeds) })
	if err != nil {
		return err
	}
	firstCPU := cpuSeconds(pid)
	firstHWM := vmHWM(pid)
	first := cycleEnd.Sub(time.UnixMilli(f.firstRequest.Load()))
	full := f.full.Load()

	// Steady state: wait for one interval so every feed has been polled
	// again (its first 304), then measure a window of 304s.
	time.Sleep(o.interval + 5*time.Second) // a wall-clock pace for an outside process, not a test's wait
	cpu0, n0, t0 := cpuSeconds(pid), f.notModified.Load(), time.Now()
	time.Sleep(o.steady)
	cpu1, n1, t1 := cpuSeconds(pid), f.notModified.Load(), time.Now()
	steadyHWM := vmHWM(pid)
	polls := n1 - n0

	rate := float64(o.feeds) / first.Seconds()
	fmt.Printf("farm: %d feeds × %d items, %.1f KB average, %d loopback servers, %d cores, load average %s\n",
		o.feeds, o.items, avgBytes/1024, o.hosts, runtime.NumCPU(), loadAverage())
	fmt.Printf("daemon start to first request: %s\n", time.UnixMilli(f.firstRequest.Load()).Sub(started).Round(time.Millisecond))
	fmt.Printf("first cycle: %.1f s, %.0f feeds/s (%d full bodies served)\n", first.Seconds(), rate, full)
	fmt.Printf("gofeed parse-only floor, %d goroutines: %.0f feeds/s\n", runtime.NumCPU(), floor)
	fmt.Printf("first cycle / floor: %.2f\n", rate/floor)
	fmt.Printf("daemon CPU at the end of the first cycle: %.1f s (%.2f ms per feed)\n", firstCPU, firstCPU*1000/float64(o.feeds))
	fmt.Printf("peak RSS (VmHWM): %.0f MB after the first cycle, %.0f MB at the end\n", float64(firstHWM)/(1<<20), float64(steadyHWM)/(1<<20))
	if polls > 0 {
		fmt.Printf("steady state: %d polls answered 304 in %.0f s (%.0f/s), daemon CPU %.2f s: %.3f ms per 304 poll\n",
			polls, t1.Sub(t0).Seconds(), float64(polls)/t1.Sub(t0).Seconds(), cpu1-cpu0, (cpu1-cpu0)*1000/float64(polls))
	} else {
		fmt.Println("steady state: no 304 polls in the window (is -interval shorter than -steady?)")
	}
	return nil
}

// farm generates feed n deterministically; it never changes, so after the
// first poll every request carries the ETag and is answered 304.
type farm struct {
	items, itemBytes int
	base             time.Time    // the oldest item's date; item i is i minutes later
	firstRequest     atomic.Int64 // unix ms
	full             atomic.Int64 // bodies served
	notModified      atomic.Int64 // 304s served
	pool             sync.Pool
}

var words = strings.Fields(`Ukraine Russia Kyiv Kremlin ministry government cyberattack ransomware
hackers espionage phishing embassy sanctions energy grid drone strike talks Baku Azerbaijan Moscow
Sandworm Fancy Bear APT28 APT29 Cozy Bear Midnight Blizzard Lazarus Volt Typhoon election
vulnerability exploit patch Microsoft Cisco Fortinet data breach police arrest court ruling
officials said the attack affected networks across several regions according to investigators`)

// feed appends feed n to b: RSS 2.0 with escaped HTML descriptions, as
// most publishers send.
func (f *farm) feed(b []byte, n int) []byte {
	b = fmt.Appendf(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<rss version="2.0"><channel><title>Farm %d</title><link>http://farm.example/%d</link><description>Generated feed %d</description>`+"\n", n, n, n)
	base := f.base
	for i := f.items - 1; i >= 0; i-- {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d/%d", n, i)
		s := h.Sum64()
		w := func(k uint) string { return words[(s>>k)%uint64(len(words))] }
		b = fmt.Appendf(b, `<item><guid isPermaLink="false">f%d-i%d</guid><title>%s %s report %d-%d</title><link>https://farm.example/%d/%d?utm_source=rss</link><pubDate>%s</pubDate><description>&lt;p&gt;`,
			n, i, w(0), w(6), n, i, n, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
		start := len(b)
		for k := uint(12); len(b)-start < f.itemBytes-260; k = (k + 5) % 58 {
			b = append(b, w(k)...)
			b = append(b, ' ')
			s = s*6364136223846793005 + 1442695040888963407
		}
		b = append(b, "&lt;/p&gt;</description></item>\n"...)
	}
	return append(b, "</channel></rss>\n"...)
}

func (f *farm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.firstRequest.CompareAndSwap(0, time.Now().UnixMilli())
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"farm-%d"`, n)
	if r.Header.Get("If-None-Match") == etag {
		f.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	bp, _ := f.pool.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	*bp = f.feed((*bp)[:0], n)
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(*bp)))
	w.Write(*bp)
	f.pool.Put(bp)
	f.full.Add(1)
}

// serve starts hosts servers and returns the URL of each feed, spread over them.
func (f *farm) serve(hosts, feeds int) ([]string, func(), error) {
	var srvs []*http.Server
	var addrs []string
	for range hosts {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		srvs = append(srvs, srv)
		addrs = append(addrs, ln.Addr().String())
	}
	urls := make([]string, feeds)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://%s/f/%d", addrs[i%len(addrs)], i)
	}
	return urls, func() {
		for _, s := range srvs {
			s.Close()
		}
	}, nil
}

// parseFloor parses every feed's bytes with gofeed, one goroutine per
// core, and returns feeds/s and the average feed size. Generation is
// outside the timed part.
func parseFloor(f *farm, feeds int) (float64, float64) {
	workers := runtime.NumCPU()
	next := atomic.Int64{}
	var total atomic.Int64
	var elapsed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := gofeed.NewParser()
			var buf []byte
			for {
				n := int(next.Add(1) - 1)
				if n >= feeds {
					return
				}
				buf = f.feed(buf[:0], n)
				total.Add(int64(len(buf)))
				t := time.Now()
				if _, err := p.Parse(bytes.NewReader(buf)); err != nil {
					panic(err)
				}
				elapsed.Add(int64(time.Since(t)))
			}
		}()
	}
	wg.Wait()
	// Each worker's parse time adds up to the CPU time of parsing; on
	// `workers` cores running at once the wall time is that over workers.
	wall := time.Duration(elapsed.Load() / int64(workers))
	return float64(feeds) / wall.Seconds(), float64(total.Load()) / float64(feeds)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// writeConfig writes the farm's config: the given config's watches,
// entities and routes (console only: no chat is reached), the farm's feeds
// at a fixed interval, the store in the work directory and /metrics on
// metricsAddr.
func writeConfig(o options, path, dbPath, metricsAddr string, urls []string) error {
	data, err := os.ReadFile(o.config)
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return err
	}
	delete(cfg, "discord")
	delete(cfg, "telegram")
	poll, _ := cfg["poll"].(map[string]any)
	if poll == nil {
		poll = map[string]any{}
	}
	poll["schedule"] = "@every 1s"
	poll["concurrency"] = 16
	poll["backfill"] = 0
	cfg["poll"] = poll
	cfg["store"] = map[string]any{"path": dbPath}
	cfg["http"] = map[string]any{"listen": metricsAddr}
	cfg["log"] = map[string]any{"level": "warn", "format": "text"}
	feeds := make([]map[string]any, len(urls))
	for i, u := range urls {
		feeds[i] = map[string]any{"url": u, "name": fmt.Sprintf("Farm %d", i), "interval": o.interval.String()}
	}
	cfg["feeds"] = feeds
	if routes, ok := cfg["routes"].([]any); ok {
		for _, r := range routes {
			if m, ok := r.(map[string]any); ok {
				m["to"] = []string{"console"}
			}
		}
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}

// daemonEnv is this environment without chat tokens, so the daemon never
// reaches a real platform.
func daemonEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DISCORD_") || strings.HasPrefix(kv, "TELEGRAM_") || strings.HasPrefix(kv, "NEWSHOUND_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// waitFirstCycle polls the daemon's /metrics until the last-cycle gauge is
// set and returns the time it carries. It scrapes only once served says
// the farm has served every feed's body (the cycle ends right after): a
// scrape builds every per-feed series and reads every feed's state, and
// five a second through the whole cycle, which no Prometheus does, had
// grown the daemon's live heap and CPU by what they measure.
func waitFirstCycle(addr string, pid int, served func() bool) (time.Time, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return time.Time{}, errors.New("no poll cycle ended within 2 hours")
		case <-tick.C:
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return time.Time{}, errors.New("the daemon exited; see daemon.log (-keep keeps it)")
		}
		if !served() {
			continue
		}
		resp, err := client.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var at float64
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "newshound_last_poll_cycle_timestamp_seconds "); ok {
				at, _ = strconv.ParseFloat(v, 64)
			}
		}
		resp.Body.Close()
		if at > 0 {
			return time.UnixMilli(int64(at * 1000)), nil
		}
	}
}

// cpuSeconds reads utime+stime of pid from /proc/PID/stat (clock ticks of
// 1/100 s, USER_HZ on every Linux this runs on).
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields after ")" are fixed.
	rest := string(data[bytes.LastIndexByte(data, ')')+2:])
	fields := strings.Fields(rest)
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100
}

// vmHWM reads the peak resident set size of pid.
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:3], " ")
}
