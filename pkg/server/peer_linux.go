package server

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
// connection from client to server (as http.Request.RemoteAddr and the
// request's http.LocalAddrContextKey give them): the socket in /proc/net/tcp
// (or tcp6) with exactly those two ends, then the process with that socket
// open. Both ends are needed: the kernel hands one client port to several
// connections to different servers, and a closed one lingers in the table
// (TIME_WAIT, owned by no socket) under the same client port. 0 when it
// cannot tell (the process is another user's, or has already closed the
// connection). It reads every process's open files, so it is for the local
// endpoints' requests, not for the hot path.
func PeerPID(client, server string) int {
	from, err := netip.ParseAddrPort(client)
	if err != nil {
		return 0
	}
	to, err := netip.ParseAddrPort(server)
	if err != nil {
		return 0
	}
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	inode := ""
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if inode = socketInode(table, from, to); inode != "" {
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

// socketInode returns the inode of the socket in table whose local address
// is local and whose remote address is remote, or "". A row without an
// inode (a connection in TIME_WAIT) is no open socket and is skipped.
func socketInode(table string, local, remote netip.AddrPort) string {
	data, err := os.ReadFile(table)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan() // the header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[9] == "0" {
			continue
		}
		l, lok := parseProcAddr(f[1])
		r, rok := parseProcAddr(f[2])
		if lok && rok && l == local && r == remote {
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
