package unix

const (
	// sunPathLen is the size of sockaddr_un's sun_path (afunix.h).
	sunPathLen = 108
	// maxPathLen leaves room for the NUL that ends a file name.
	maxPathLen = sunPathLen - 1
	// abstractSupported: Windows' AF_UNIX documents abstract names but has
	// never implemented them.
	abstractSupported = false
	abstractHint      = ""
)
