package audit

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// PeerPID finds the process that holds the client end of a loopback TCP
// connection whose client address is remote (as http.Request.RemoteAddr
// gives it): the socket in /proc/net/tcp (or tcp6) whose local address it
// is, then the process with that socket open. 0 when it cannot tell (the
// process is another user's, or has already closed the connection). It
// reads every process's open files, so it is for the local endpoints'
// requests, not for the hot path.
func PeerPID(remote string) int {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return 0
	}
	inode := ""
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if inode = socketInode(table, ap); inode != "" {
			break
		}
	}
	if inode == "" {
		return 0
	}
	target := "socket:[" + inode + "]"
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	self := os.Getpid()
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == self {
			continue
		}
		fdDir := "/proc/" + p.Name() + "/fd"
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if link, err := os.Readlink(fdDir + "/" + fd.Name()); err == nil && link == target {
				return pid
			}
		}
	}
	return 0
}

// socketInode returns the inode of the connected socket in table whose
// local address is ap, or "".
func socketInode(table string, ap netip.AddrPort) string {
	data, err := os.ReadFile(table)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan() // the header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[2] == "00000000:0000" || strings.Trim(f[2], "0:") == "" {
			continue // a listening socket has no remote address
		}
		if local, ok := parseProcAddr(f[1]); ok && local == ap {
			return f[9]
		}
	}
	return ""
}

// parseProcAddr reads an address of /proc/net/tcp: the IP as hex of the
// kernel's 32-bit words in host order, a colon, the port in hex.
func parseProcAddr(s string) (netip.AddrPort, bool) {
	ipHex, portHex, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, false
	}
	raw, err := hex.DecodeString(ipHex)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	ip := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(ip[i:], binary.NativeEndian.Uint32(raw[i:i+4]))
	}
	addr, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), true
}
