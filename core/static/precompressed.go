package static

import (
	"io/fs"

	"github.com/tophat-go/tophat/core"
	"github.com/tophat-go/tophat/core/negotiate"
)

// encodings are the precompressed variants looked for, in the order that
// breaks ties between equal weights: smallest output first.
var encodings = []string{"br", "zstd", "gzip"}

// extensions maps a coding to the suffix of its variant's file name.
var extensions = map[string]string{"br": "br", "zstd": "zst", "gzip": "gz"}

// precompressed opens the variant of name that the request's
// Accept-Encoding prefers over the file itself, if one exists. Only the
// variants the client accepts are looked for, so a request without
// Accept-Encoding costs nothing.
func (h *Handler) precompressed(req *core.Request, name string) (fs.File, fs.FileInfo, string) {
	accept := req.Header().Get("Accept-Encoding")
	if accept == "" {
		return nil, nil, ""
	}
	var files [3]fs.File
	var infos [3]fs.FileInfo
	offers := make([]string, 0, len(encodings)+1)
	for i, enc := range encodings {
		if negotiate.Encoding(accept, enc) == "" {
			continue
		}
		f, info, err := h.open(name + "." + extensions[enc])
		if err != nil {
			continue
		}
		if !info.Mode().IsRegular() {
			f.Close()
			continue
		}
		files[i], infos[i] = f, info
		offers = append(offers, enc)
	}
	chosen := ""
	if len(offers) > 0 {
		chosen = negotiate.Encoding(accept, append(offers, "identity")...)
	}
	var file fs.File
	var info fs.FileInfo
	for i, enc := range encodings {
		switch {
		case files[i] == nil:
		case enc == chosen:
			file, info = files[i], infos[i]
		default:
			files[i].Close()
		}
	}
	if file == nil {
		return nil, nil, ""
	}
	return file, info, chosen
}
