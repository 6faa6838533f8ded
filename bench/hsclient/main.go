// hsclient opens mTLS connections as fast as it can for a fixed time and counts the handshakes that
// completed. It exists because a Node or `openssl s_time` client spends more CPU per handshake than a
// one-core server does, so it cannot push the server to its limit from one core.
//
//	-mode full     every connection is a full TLS 1.3 handshake (no session cache), closed at once
//	-mode resumed  connections offer a session ticket; a connection that did not resume waits briefly
//	               for the server's NewSessionTicket so the next one can
//
// The client presents client.crt, verifies the server chain against ca.crt and requires the server's
// SPIFFE ID among the URI SANs (on resumed connections too: Go keeps the peer chain in the session).
// Output: one line `HSJSON {...}` on stdout.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

type result struct {
	OK         int64   `json:"ok"`
	Resumed    int64   `json:"resumed"`
	Failed     int64   `json:"failed"`
	ElapsedS   float64 `json:"elapsed_s"`
	Rate       float64 `json:"rate"`
	FirstError string  `json:"first_error,omitempty"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:19302", "inbound listener")
	dur := flag.Duration("d", 2*time.Second, "how long to run")
	loops := flag.Int("c", 32, "concurrent connection loops")
	certDir := flag.String("certs", ".", "directory with ca.crt, client.crt, client.key")
	mode := flag.String("mode", "full", "full | resumed")
	serverID := flag.String("id", "spiffe://example.org/ns/default/sa/server", "SPIFFE ID the server must present")
	sni := flag.String("sni", "localhost", "server name sent and checked against DNS SANs")
	flag.Parse()
	if *mode != "full" && *mode != "resumed" {
		fmt.Fprintln(os.Stderr, "mode must be full or resumed")
		os.Exit(2)
	}

	pair, err := tls.LoadX509KeyPair(filepath.Join(*certDir, "client.crt"), filepath.Join(*certDir, "client.key"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	caPEM, err := os.ReadFile(filepath.Join(*certDir, "ca.crt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		fmt.Fprintln(os.Stderr, "no certificate in ca.crt")
		os.Exit(2)
	}
	base := &tls.Config{
		Certificates: []tls.Certificate{pair},
		RootCAs:      pool,
		ServerName:   *sni,
		MinVersion:   tls.VersionTLS13,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return fmt.Errorf("server sent no certificate")
			}
			for _, u := range cs.PeerCertificates[0].URIs {
				if u.String() == *serverID {
					return nil
				}
			}
			return fmt.Errorf("server is not %s", *serverID)
		},
	}

	var ok, resumed, failed int64
	var firstErr atomic.Value
	fail := func(err error) {
		atomic.AddInt64(&failed, 1)
		firstErr.CompareAndSwap(nil, err.Error())
	}
	start := time.Now()
	stop := start.Add(*dur)
	var wg sync.WaitGroup
	for i := 0; i < *loops; i++ {
		cfg := base.Clone()
		if *mode == "resumed" {
			// One cache per loop: each loop resumes its own ticket, as one client process would.
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		}
		wg.Add(1)
		go func(cfg *tls.Config) {
			defer wg.Done()
			dialer := &net.Dialer{Timeout: 5 * time.Second}
			one := make([]byte, 1)
			for time.Now().Before(stop) {
				conn, err := tls.DialWithDialer(dialer, "tcp", *addr, cfg)
				if err != nil {
					fail(err)
					continue
				}
				atomic.AddInt64(&ok, 1)
				if conn.ConnectionState().DidResume {
					atomic.AddInt64(&resumed, 1)
				} else if *mode == "resumed" {
					// TLS 1.3 tickets arrive after the handshake; Go stores them only while reading.
					_ = conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
					_, _ = conn.Read(one)
				}
				conn.Close()
			}
		}(cfg)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	r := result{OK: ok, Resumed: resumed, Failed: failed, ElapsedS: elapsed, Rate: float64(ok) / elapsed}
	if s, isStr := firstErr.Load().(string); isStr {
		r.FirstError = s
	}
	out, _ := json.Marshal(r)
	fmt.Printf("HSJSON %s\n", out)
}
