package audit

import (
	"bytes"
	"os"
	"strconv"
)

// procStat reads the name (comm) and parent of process pid from
// /proc/PID/stat, one read for both; "" and 0 when unknown.
func procStat(pid int) (name string, ppid int) {
	if pid <= 0 {
		return "", 0
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0
	}
	// pid (comm) state ppid ...: comm may hold spaces and brackets, so it
	// ends at the last ')'.
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return "", 0
	}
	name = string(data[open+1 : end])
	fields := bytes.Fields(data[end+1:])
	if len(fields) >= 2 {
		ppid, _ = strconv.Atoi(string(fields[1]))
	}
	return name, ppid
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
