//go:build darwin || freebsd

package unix

import xunix "golang.org/x/sys/unix"

// fromXucred reads a struct xucred, whose first group is the effective gid.
func fromXucred(x *xunix.Xucred) Credentials {
	cred := Credentials{UID: x.Uid}
	if x.Ngroups > 0 {
		cred.GID = x.Groups[0]
	}
	return cred
}
