//go:build linux && !amd64 && !386

package session

import "syscall"

const sysSyncfs = syscall.SYS_SYNCFS
