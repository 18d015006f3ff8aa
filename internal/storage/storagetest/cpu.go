package storagetest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// CPUTime is processor time (user and system) spent by this process and, when it runs on this
// machine, by the MySQL-compatible server of MySQLEnv; either is unknown where the system does
// not tell. Benchmarks take it before and after their work, to report what the work cost on
// each side of the connection.
type CPUTime struct {
	Process, Database           time.Duration
	ProcessKnown, DatabaseKnown bool
}

// CPUNow reads the processor time spent so far.
func CPUNow() CPUTime {
	var t CPUTime
	t.Process, t.ProcessKnown = processCPU()
	t.Database, t.DatabaseKnown = localDatabaseCPU()
	return t
}

// Since returns the processor time spent between start and t.
func (t CPUTime) Since(start CPUTime) CPUTime {
	return CPUTime{
		Process:       t.Process - start.Process,
		Database:      t.Database - start.Database,
		ProcessKnown:  t.ProcessKnown && start.ProcessKnown,
		DatabaseKnown: t.DatabaseKnown && start.DatabaseKnown,
	}
}

// clockTicks is Linux's USER_HZ, the unit of the times in /proc/PID/stat: 100 on every
// architecture Go supports.
const clockTicks = 100

// localDatabaseCPU returns the processor time of the MariaDB or MySQL server of MySQLEnv, when
// it listens on this machine and Linux's /proc shows it.
func localDatabaseCPU() (time.Duration, bool) {
	dsn := os.Getenv(MySQLEnv)
	if dsn == "" {
		return 0, false
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return 0, false
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if cfg.Net == "tcp" && (err != nil || !(host == "localhost" || net.ParseIP(host).IsLoopback())) {
		return 0, false
	}
	databaseStats.Lock()
	defer databaseStats.Unlock()
	if t, ok := readCPU(databaseStats.paths); ok {
		return t, true
	}
	// Not found yet, or the server restarted: look for it among all processes.
	databaseStats.paths = nil
	all, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range all {
		if comm, _, ok := readStat(path); ok && (comm == "mariadbd" || comm == "mysqld") {
			databaseStats.paths = append(databaseStats.paths, path)
		}
	}
	return readCPU(databaseStats.paths)
}

// databaseStats remembers where the database server's processor time is, so that reading it
// costs a file read rather than a walk over every process.
var databaseStats struct {
	sync.Mutex
	paths []string
}

// readCPU sums the processor time of the processes of the stat files, if each is still the
// database server.
func readCPU(paths []string) (time.Duration, bool) {
	var total time.Duration
	for _, path := range paths {
		comm, t, ok := readStat(path)
		if !ok || (comm != "mariadbd" && comm != "mysqld") {
			return 0, false
		}
		total += t
	}
	return total, len(paths) > 0
}

// readStat reads a process's name and processor time from its /proc/PID/stat.
func readStat(path string) (comm string, cpu time.Duration, ok bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", 0, false
	}
	// pid (comm) state ppid …: comm may hold spaces, so fields count from its closing ")".
	open, end := strings.IndexByte(string(raw), '('), strings.LastIndexByte(string(raw), ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	fields := strings.Fields(string(raw[end+1:]))
	if len(fields) < 13 {
		return "", 0, false
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return "", 0, false
	}
	return string(raw[open+1 : end]), time.Duration(utime+stime) * time.Second / clockTicks, true
}
