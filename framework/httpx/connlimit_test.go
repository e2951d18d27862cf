package httpx_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/httpx"
)

// Beyond max open connections, one more gets 503 overloaded in Medusa's
// shape with Retry-After, read by the client (not a reset), and is closed;
// when a connection closes, the next is served.
func TestLimitConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })}
	go func() { _ = srv.Serve(httpx.OneWriteListener(httpx.LimitConnections(ln, 2))) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/"
	// Two keep-alive clients hold the two places.
	var holders []*http.Client
	for range 2 {
		c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		holders = append(holders, c)
	}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := fresh.Post(url, "application/json", strings.NewReader(`{"email":"x@example.com"}`))
	if err != nil {
		t.Fatalf("the third connection: %v (want a 503, not a reset)", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || string(body) != `{"code":"overloaded","type":"unavailable","message":"The server is busy. Please retry the request shortly."}` {
		t.Fatalf("the third connection: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	holders[0].CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := fresh.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no place after a connection closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// No limit: the listener itself.
	if l := httpx.LimitConnections(ln, 0); l != ln {
		t.Fatal("max 0 wrapped the listener")
	}
}
