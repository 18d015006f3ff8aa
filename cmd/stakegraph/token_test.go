package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestTokenNeedsTheServersKey: `stakegraph token` in a directory where no server ran refuses,
// saying where to run it, and creates no key of its own.
func TestTokenNeedsTheServersKey(t *testing.T) {
	dir := t.TempDir()
	err := tokenCommand().Run(context.Background(), []string{"token", "--data-dir", dir})
	if err == nil || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("token without the server's key: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("token wrote %s into the data directory", entries[0].Name())
	}
}
