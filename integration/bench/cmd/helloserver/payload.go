package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

const helloBody = "Hello, World!"

// uploadSize is the body the /upload route expects: a photo from a phone
// after resizing, or a large form; wrk's upload.lua sends it.
const uploadSize = 64 << 10

// jsonSize is the size of the /json document: a page of API results.
const jsonSize = 4 << 10

// jsonBody is prepared once, so the benchmark measures the server writing
// a 4 KiB body, not encoding/json.
var jsonBody = makeJSON(jsonSize)

type item struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Email string   `json:"email"`
	Score float64  `json:"score"`
	Tags  []string `json:"tags"`
}

// makeJSON returns a JSON object of exactly size bytes: a list of items,
// then a padding string that makes up the rest.
func makeJSON(size int) []byte {
	var items []item
	for i := 0; ; i++ {
		next := append(items, item{ID: i, Name: "user " + strconv.Itoa(i), Email: fmt.Sprintf("user%d@example.com", i),
			Score: float64(i) * 1.5, Tags: []string{"alpha", "beta"}})
		b, err := json.Marshal(struct {
			Items []item `json:"items"`
			Pad   string `json:"pad"`
		}{next, ""})
		if err != nil {
			panic(err)
		}
		if len(b) > size {
			break
		}
		items = next
	}
	b, _ := json.Marshal(struct {
		Items []item `json:"items"`
		Pad   string `json:"pad"`
	}{items, ""})
	pad := bytes.Repeat([]byte{'x'}, size-len(b))
	b, _ = json.Marshal(struct {
		Items []item `json:"items"`
		Pad   string `json:"pad"`
	}{items, string(pad)})
	if len(b) != size || !json.Valid(b) {
		panic(fmt.Sprintf("makeJSON: %d bytes, want %d", len(b), size))
	}
	return b
}
