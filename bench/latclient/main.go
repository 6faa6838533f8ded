// latclient: keep-alive HTTP/1.1 load with a latency per request, split into each connection's first
// request and the rest. wrk reports one distribution; this shows whether a tail comes from new
// connections waiting to be accepted or from requests on connections already open.
//
//	latclient -addr 127.0.0.1:19301 -host backend -c 200 -d 10s [-predial]
//
// -predial opens every connection first and waits 500 ms (the server accepts them while idle), then
// starts the load.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func readResponse(br *bufio.Reader) error {
	length := -1
	for first := true; ; first = false {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if first {
			if !strings.HasPrefix(line, "HTTP/1.1 2") {
				return fmt.Errorf("status line %q", strings.TrimSpace(line))
			}
			continue
		}
		if line == "\r\n" {
			break
		}
		if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "content-length") {
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		}
	}
	if length < 0 {
		return fmt.Errorf("response without content-length")
	}
	_, err := br.Discard(length)
	return err
}

type sample struct {
	first bool
	d     time.Duration
}

func pct(s []time.Duration, p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := int(float64(len(s)) * p)
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func main() {
	addr := flag.String("addr", "127.0.0.1:19301", "server address")
	host := flag.String("host", "backend", "Host header")
	conns := flag.Int("c", 200, "connections")
	dur := flag.Duration("d", 10*time.Second, "duration")
	predial := flag.Bool("predial", false, "open all connections before the load starts")
	flag.Parse()
	req := []byte("GET / HTTP/1.1\r\nHost: " + *host + "\r\nUser-Agent: meshguard-bench/1\r\nAccept: */*\r\n\r\n")

	open := make([]net.Conn, *conns)
	if *predial {
		for i := range open {
			c, err := net.Dial("tcp", *addr)
			if err != nil {
				fmt.Fprintln(os.Stderr, "dial:", err)
				os.Exit(1)
			}
			open[i] = c
		}
		time.Sleep(500 * time.Millisecond)
	}

	var mu sync.Mutex
	var all []sample
	errors := 0
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *conns; i++ {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			var mine []sample
			failed := false
			if c == nil {
				var err error
				if c, err = net.Dial("tcp", *addr); err != nil {
					failed = true
				}
			}
			if c != nil {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 0; time.Since(start) < *dur; n++ {
					t := time.Now()
					if _, err := c.Write(req); err != nil {
						failed = true
						break
					}
					if err := readResponse(br); err != nil {
						failed = true
						break
					}
					mine = append(mine, sample{n == 0, time.Since(t)})
				}
			}
			mu.Lock()
			all = append(all, mine...)
			if failed {
				errors++
			}
			mu.Unlock()
		}(open[i])
	}
	wg.Wait()
	elapsed := time.Since(start)

	var every, firsts, rest []time.Duration
	for _, s := range all {
		every = append(every, s.d)
		if s.first {
			firsts = append(firsts, s.d)
		} else {
			rest = append(rest, s.d)
		}
	}
	for _, s := range [][]time.Duration{every, firsts, rest} {
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	}
	fmt.Printf("requests %d, %.0f req/s, connections that failed %d\n", len(every), float64(len(every))/elapsed.Seconds(), errors)
	fmt.Printf("all requests:           p50 %s  p99 %s  p99.9 %s  max %s\n", ms(pct(every, 0.5)), ms(pct(every, 0.99)), ms(pct(every, 0.999)), ms(pct(every, 1)))
	fmt.Printf("first on a connection:  p50 %s  max %s  (%d)\n", ms(pct(firsts, 0.5)), ms(pct(firsts, 1)), len(firsts))
	fmt.Printf("later on a connection:  p50 %s  p99 %s  p99.9 %s  max %s\n", ms(pct(rest, 0.5)), ms(pct(rest, 0.99)), ms(pct(rest, 0.999)), ms(pct(rest, 1)))
}
