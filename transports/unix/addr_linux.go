package unix

import (
	"fmt"
	"os"
)

const (
	// sunPathLen is the size of sockaddr_un's sun_path.
	sunPathLen = 108
	// maxPathLen leaves room for the NUL that ends a file name; Go refuses
	// longer names with EINVAL.
	maxPathLen = sunPathLen - 1
	// abstractSupported: Linux has an abstract socket namespace, where a
	// name starts with a NUL byte (written "@") and no file exists.
	abstractSupported = true
	// abstractHint is added to errors that list the address forms.
	abstractHint = ", or @name for an abstract socket"
)

// shortBindName reaches dir through its descriptor's /proc name, whatever
// the length of its path.
func shortBindName(dir string) (string, func(), error) {
	d, err := os.Open(dir)
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), stagingName), func() { d.Close() }, nil
}
