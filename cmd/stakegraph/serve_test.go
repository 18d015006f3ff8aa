package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeOnABusyPort: serve fails on a port in use before it writes anything: no data
// directory migrated and filled with the demo, only to exit.
func TestServeOnABusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dataDir := filepath.Join(t.TempDir(), "data")
	err = serveCommand().Run(context.Background(), []string{"serve", "--addr", busy.Addr().String(),
		"--data-dir", dataDir, "--log-level", "error"})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("serve on a busy port: %v", err)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("serve on a busy port left %s behind (%v)", dataDir, err)
	}
}

// TestServePrintsATokenWhenAskedOrNew: the development ADMIN token is printed when serve has
// just loaded the demo, or with --print-token; not on every start, into whatever keeps the
// server's output.
func TestServePrintsATokenWhenAskedOrNew(t *testing.T) {
	dataDir := t.TempDir()
	start := func(extra ...string) string {
		t.Helper()
		addr := freeAddr(t)
		out := &lockedBuffer{}
		cmd := serveCommand()
		cmd.Writer = out
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- cmd.Run(ctx, append([]string{"serve", "--addr", addr, "--data-dir", dataDir, "--log-level", "error"}, extra...))
		}()
		deadline := time.Now().Add(time.Minute)
		for {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case err := <-done:
				t.Fatalf("serve exited: %v", err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("serve was not ready within a minute")
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
		return out.String()
	}
	const token = "export STAKEGRAPH_TOKEN=ey"
	if out := start(); !strings.Contains(out, token) {
		t.Errorf("the first start, which loaded the demo, printed no token:\n%s", out)
	}
	if out := start(); strings.Contains(out, token) {
		t.Errorf("a later start printed a token:\n%s", out)
	}
	if out := start("--print-token"); !strings.Contains(out, token) {
		t.Errorf("--print-token printed no token:\n%s", out)
	}
}
