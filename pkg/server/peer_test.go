package server

import (
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// PeerPID finds this very process behind a loopback connection it opened.
func TestPeerPID(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	// The client end belongs to a child process, as a real client's does.
	cmd := exec.Command("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/$0; sleep 5", strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var c net.Conn
	select {
	case c = <-accepted:
	case <-time.After(5 * time.Second):
		t.Fatal("no connection")
	}
	defer c.Close()
	if got := PeerPID(c.RemoteAddr().String(), c.LocalAddr().String()); got != cmd.Process.Pid {
		t.Fatalf("PeerPID(%s, %s) = %d, want %d", c.RemoteAddr(), c.LocalAddr(), got, cmd.Process.Pid)
	}
	if got := PeerPID("127.0.0.1:1", c.LocalAddr().String()); got != 0 {
		t.Fatalf("PeerPID of no connection = %d", got)
	}
}
