// Package static serves files from an fs.FS or a directory: byte ranges
// (multipart/byteranges for several), conditional requests, HEAD, index
// files, Content-Type by extension or by sniffing, and precompressed
// variants, with the core's sendfile path for files on disk.
//
//	files, err := static.Dir("/srv/www", nil)
//	if err != nil { ... }
//	defer files.Close()
//	srv := &core.Server{Handler: files}
//
// # Paths
//
// The request's decoded path names the file (after Options.Prefix is taken
// off). A path holding a ".." segment, a backslash or a NUL byte is answered
// 400, whatever its encoding on the wire ("%2e%2e", "..%2f", "%5c", "%00"
// all decode to one of those), so no path climbs out of the root. Dir opens
// the directory with os.OpenRoot, so a symbolic link inside it that points
// outside is refused by the kernel-checked walk of os.Root (a 404), while
// links within the tree work. An fs.FS is trusted to stay within itself:
// os.DirFS follows links anywhere, which is why Dir does not use it.
//
// A directory is served through its index file (Options.IndexNames,
// "index.html" by default) when the path ends in "/"; without the slash the
// answer is a 301 to the path with one, so relative links in the page
// resolve. Directories are never listed.
//
// # Conditional requests and ranges
//
// Every file carries Last-Modified (when its modification time is known)
// and a strong ETag made of its size and modification time, as nginx makes
// one; a file system that reports no modification time (embed.FS) is
// taken to be immutable, and its ETag is a hash of the content, computed
// once per file. The preconditions of RFC 9110 section 13.2.2 are evaluated
// in its order: If-Match, If-Unmodified-Since (412), If-None-Match,
// If-Modified-Since (304 for GET and HEAD), then If-Range decides whether a
// Range applies.
//
// Range is honoured on GET. One range is sent as 206 with Content-Range;
// several as multipart/byteranges. A Range that does not parse is ignored
// (200, the whole file), as RFC 9110 section 14.2 asks; one that parses but
// selects nothing is 416. Requests for more than MaxRanges ranges, or for
// ranges that add up to more than the file, get the whole file: many small
// or overlapping ranges cost the server more than the file itself.
//
// # Precompressed variants
//
// When a client sends Accept-Encoding, a file name.br, name.zst or name.gz
// next to name is served in its place if the client's weights prefer it
// (negotiate.Encoding; ties go to br, then zstd, then gzip), with
// Content-Encoding, the original's Content-Type, and an ETag of its own.
// Every file response says Vary: Accept-Encoding while this is enabled,
// since the answer depends on that field. Ranges then apply to the
// compressed bytes, which is what the ETag validates.
//
// # Sendfile
//
// A file opened from a directory is an *os.File; the whole file or a single
// range is handed to ResponseWriter.SendReader with its size, so on TCP the
// bytes go from the page cache to the socket without passing through the
// process.
package static
