// Command tmbot-healthcheck asks a running tmbot whether it is ready. It is
// for container runtimes whose health checks run a command inside the
// container (Docker, Compose): the image is distroless, with no shell, curl
// or wget. Kubernetes probes /healthz and /readyz over HTTP and does not
// need it.
//
//	tmbot-healthcheck [URL]
//
// URL defaults to http://127.0.0.1:PORT/readyz, PORT taken from TMBOT_ADDR
// (default 8080). The exit status is 0 when the answer is 200 OK, else 1.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// timeout bounds the whole check; Docker's own default is 30 s.
const timeout = 3 * time.Second

func main() {
	url := defaultURL(os.Getenv("TMBOT_ADDR"))
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	if err := check(url); err != nil {
		fmt.Fprintln(os.Stderr, "tmbot-healthcheck:", err)
		os.Exit(1)
	}
}

// defaultURL is /readyz on the loopback address at addr's port.
func defaultURL(addr string) string {
	host, port := "127.0.0.1", "8080"
	if addr != "" {
		if h, p, err := net.SplitHostPort(addr); err == nil {
			port = p
			if h != "" && h != "0.0.0.0" && h != "::" {
				host = h
			}
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz"
}

func check(url string) error {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", url, resp.Status, body)
	}
	return nil
}
