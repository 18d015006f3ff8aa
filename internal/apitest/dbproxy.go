package apitest

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// DBProxy stands between the server and a MySQL-compatible database and takes the database
// away as it goes away in production: it stops answering while connections stay open (Hang),
// or refuses and drops connections (Cut), until Restore.
type DBProxy struct {
	upstream string

	mu      sync.Mutex
	addr    string
	ln      net.Listener
	flowing chan struct{} // closed while bytes flow; open while hung
	conns   map[net.Conn]bool
	closed  bool
}

// OpenBehindProxy returns a fresh, migrated MySQL database that the server reaches through a
// DBProxy. It skips the test unless storagetest.MySQLEnv names a server.
func OpenBehindProxy(t testing.TB) (*storage.DB, *DBProxy) {
	t.Helper()
	storagetest.NeedMySQL(t, "take a database away from a running server")
	cfg, err := mysql.ParseDSN(storagetest.FreshMySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &DBProxy{upstream: cfg.Addr, flowing: make(chan struct{}), conns: map[net.Conn]bool{}}
	close(p.flowing)
	if err := p.listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	cfg.Addr = p.addr
	ctx := context.Background()
	db, err := storage.Open(ctx, "mysql://"+cfg.FormatDSN(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, p
}

func (p *DBProxy) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go p.accept(ln)
	return nil
}

func (p *DBProxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

// serve connects a client to the database once bytes flow: while hung, a new connection is
// accepted and never greeted.
func (p *DBProxy) serve(client net.Conn) {
	defer p.untrack(client)
	if !p.track(client) {
		client.Close()
		return
	}
	<-p.gate()
	server, err := net.Dial("tcp", p.upstream)
	if err != nil {
		client.Close()
		return
	}
	defer p.untrack(server)
	if !p.track(server) {
		client.Close()
		server.Close()
		return
	}
	go p.pipe(server, client)
	p.pipe(client, server)
}

// pipe copies src to dst, holding what it read while hung.
func (p *DBProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			<-p.gate()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *DBProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *DBProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *DBProxy) gate() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flowing
}

// Hang stops every byte between the server and the database, in both directions, on open
// connections and new ones: the database seems to accept and never answer.
func (p *DBProxy) Hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.flowing:
		p.flowing = make(chan struct{})
	default:
	}
}

// Cut drops every connection and refuses new ones: the database is down.
func (p *DBProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Restore lets bytes flow again and accepts connections on the same address.
func (p *DBProxy) Restore() error {
	p.mu.Lock()
	select {
	case <-p.flowing:
	default:
		close(p.flowing)
	}
	cut := p.ln == nil
	p.mu.Unlock()
	if cut {
		return p.listen(p.addr)
	}
	return nil
}

// Close drops everything and stops the proxy.
func (p *DBProxy) Close() {
	p.Cut()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	select {
	case <-p.flowing:
	default:
		close(p.flowing) // releases the pipes held by Hang, onto closed connections
	}
}
