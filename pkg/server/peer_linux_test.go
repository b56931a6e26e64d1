package server

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// TestSocketInodeMatchesTheConnection: the kernel gives one client port to
// connections to different servers, and a closed connection stays in the
// table (TIME_WAIT, inode 0) under its client port. Only the row with both
// ends and an inode is the client's socket. The rows are the kind the test
// below met when it matched on the client's address alone.
func TestSocketInodeMatchesTheConnection(t *testing.T) {
	table := filepath.Join(t.TempDir(), "tcp")
	rows := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 0100007F:E308 0100007F:AC8D 06 00000000:00000000 03:000012B4 00000000     0        0 0 3 0000000001d1ce78\n" +
		"   1: 0100007F:E308 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1634001 2 00000000be8d2845 20 0 0 10 -1\n" +
		"   2: 0100007F:A67F 0100007F:E308 01 00000000:00000000 02:000005D9 00000000     0        0 1634013 2 0000000002ff3ae4 20 0 0 10 -1\n" +
		"   3: 0100007F:E308 0100007F:A67F 01 00000000:00000000 00:00000000 00000000     0        0 1634012 2 00000000be8d2845 20 0 0 10 -1\n"
	if err := os.WriteFile(table, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	client, server := netip.MustParseAddrPort("127.0.0.1:58120"), netip.MustParseAddrPort("127.0.0.1:42623")
	if got := socketInode(table, client, server); got != "1634012" {
		t.Fatalf("socketInode(%s -> %s) = %q, want 1634012", client, server, got)
	}
	if got := socketInode(table, client, netip.MustParseAddrPort("127.0.0.1:44173")); got != "" {
		t.Fatalf("a connection in TIME_WAIT gave inode %q", got)
	}
}
