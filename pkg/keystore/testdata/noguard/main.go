// Command noguard is the control of the D-Bus guard test: it links
// 99designs/keyring without pkg/keystore/dbusguard, so keyring's init talks
// to D-Bus (and may run dbus-launch) as it would without credo's guard.
package main

import (
	"fmt"

	"github.com/99designs/keyring"
)

func main() {
	fmt.Println(keyring.AvailableBackends())
}
