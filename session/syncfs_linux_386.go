package session

// sysSyncfs is syncfs(2)'s number: package syscall names it on every
// Linux architecture but amd64 and 386.
const sysSyncfs = 344
