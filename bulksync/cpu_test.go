package bulksync_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stakegraph/stakegraph/storage/storagetest"
)

// cpuTime is processor time (user and system) spent by this process and, when it runs on this
// machine, by the database server; either may be unknown where the system does not tell.
type cpuTime struct {
	process, database           time.Duration
	processKnown, databaseKnown bool
}

func cpuNow() cpuTime {
	var t cpuTime
	t.process, t.processKnown = processCPU()
	t.database, t.databaseKnown = localDatabaseCPU()
	return t
}

func (t cpuTime) since(start cpuTime) cpuTime {
	return cpuTime{
		process:       t.process - start.process,
		database:      t.database - start.database,
		processKnown:  t.processKnown && start.processKnown,
		databaseKnown: t.databaseKnown && start.databaseKnown,
	}
}

// describe gives the processor time a record cost, and the rate the cores of this machine
// could sustain at that cost if they did nothing else.
func (t cpuTime) describe(records float64) string {
	if !t.processKnown {
		return "not measured on this system"
	}
	s := fmt.Sprintf("%.0f µs in the server and client", perRecord(t.process, records))
	if !t.databaseKnown {
		return s + " (the database server's is not visible from here)"
	}
	total := perRecord(t.process+t.database, records)
	return fmt.Sprintf("%s, %.0f µs in the database server: %.0f µs in all, so %d cores sustain at most %.0f records/s",
		s, perRecord(t.database, records), total, runtime.NumCPU(), float64(runtime.NumCPU())*1e6/total)
}

// brief gives the processor time a record cost, in short.
func (t cpuTime) brief(records float64) string {
	if !t.processKnown {
		return "processor time not measured on this system"
	}
	s := fmt.Sprintf("%.0f µs here", perRecord(t.process, records))
	if t.databaseKnown {
		s += fmt.Sprintf(", %.0f µs in the database server", perRecord(t.database, records))
	}
	return s
}

func perRecord(d time.Duration, records float64) float64 {
	return float64(d.Microseconds()) / records
}

// clockTicks is Linux's USER_HZ, the unit of the times in /proc/PID/stat: 100 on every
// architecture Go supports.
const clockTicks = 100

// localDatabaseCPU returns the processor time of the MariaDB or MySQL server the tests use, when
// it listens on this machine and Linux's /proc shows it.
func localDatabaseCPU() (time.Duration, bool) {
	cfg, err := mysql.ParseDSN(os.Getenv(storagetest.MySQLEnv))
	if err != nil {
		return 0, false
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if cfg.Net == "tcp" && (err != nil || !(host == "localhost" || net.ParseIP(host).IsLoopback())) {
		return 0, false
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var total time.Duration
	found := false
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so fields count from its closing ")".
		open, end := strings.IndexByte(string(raw), '('), strings.LastIndexByte(string(raw), ')')
		if open < 0 || end < open {
			continue
		}
		if comm := string(raw[open+1 : end]); comm != "mariadbd" && comm != "mysqld" {
			continue
		}
		fields := strings.Fields(string(raw[end+1:]))
		if len(fields) < 13 {
			continue
		}
		utime, err1 := strconv.ParseInt(fields[11], 10, 64)
		stime, err2 := strconv.ParseInt(fields[12], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		total += time.Duration(utime+stime) * time.Second / clockTicks
		found = true
	}
	return total, found
}
