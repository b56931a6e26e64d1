package audit

import (
	"bytes"
	"strconv"
	"syscall"
)

// procStat reads the name (comm) and parent of process pid from
// /proc/PID/stat, one read for both; "" and 0 when unknown. It reads with
// plain system calls: an os.File would register the file with Go's poller
// (four fcntl calls and an epoll_ctl) in the front's hot path, twice.
func procStat(pid int) (name string, ppid int) {
	if pid <= 0 {
		return "", 0
	}
	data, ok := readProc("/proc/" + strconv.Itoa(pid) + "/stat")
	if !ok {
		return "", 0
	}
	// pid (comm) state ppid ...: comm may hold spaces and brackets, so it
	// ends at the last ')'.
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return "", 0
	}
	name = string(data[open+1 : end])
	// The fields after comm are separated by single spaces: state, ppid.
	rest := bytes.TrimLeft(data[end+1:], " ")
	if i := bytes.IndexByte(rest, ' '); i >= 0 {
		f := bytes.TrimLeft(rest[i+1:], " ")
		if j := bytes.IndexAny(f, " \n"); j >= 0 {
			f = f[:j]
		}
		ppid, _ = strconv.Atoi(string(f))
	}
	return name, ppid
}

// readProc reads a small file of /proc whole.
func readProc(path string) ([]byte, bool) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, false
	}
	defer syscall.Close(fd)
	buf := make([]byte, 0, 1024)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, false
		}
		if n == 0 {
			return buf, true
		}
		buf = buf[:len(buf)+n]
	}
}

// ProcName is the name of process pid (its comm), or "" when unknown.
func ProcName(pid int) string {
	name, _ := procStat(pid)
	return name
}

// ParentOf is the parent process id of pid, or 0 when unknown.
func ParentOf(pid int) int {
	_, ppid := procStat(pid)
	return ppid
}
