package h2

import (
	"bytes"
	"fmt"

	"golang.org/x/net/http2/hpack"
)

// EncodeHeaders returns the HPACK header block of a request, built once
// so that sending a request only copies it. name, value pairs alternate
// in fields. It fails when a field is not valid HTTP/2 or the block would
// not fit one HEADERS frame of MinFrameSize bytes.
//
// The block never touches the server's dynamic table: the encoder's
// table is set to size 0 (the size update that this emits goes into a
// block that is thrown away), so every field is either an exact entry of
// the static table or a literal without indexing, mostly with an indexed
// name. Each block is therefore the same bytes whenever it is sent, in
// any order with other blocks and on any connection; what it costs is a
// few bytes per request that indexing would have saved.
func EncodeHeaders(fields ...string) ([]byte, error) {
	if len(fields)%2 != 0 {
		return nil, fmt.Errorf("h2: header fields must come in name, value pairs")
	}
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	enc.SetMaxDynamicTableSizeLimit(0)
	if err := enc.WriteField(hpack.HeaderField{Name: ":method", Value: "GET"}); err != nil {
		return nil, err
	}
	buf.Reset()
	for i := 0; i < len(fields); i += 2 {
		if !validField(fields[i], fields[i+1]) {
			return nil, fmt.Errorf("h2: header field %q: %q is not valid", fields[i], fields[i+1])
		}
		if err := enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]}); err != nil {
			return nil, err
		}
	}
	if buf.Len() > MinFrameSize {
		return nil, fmt.Errorf("h2: the request headers take %d bytes, above the %d of one frame", buf.Len(), MinFrameSize)
	}
	return buf.Bytes(), nil
}

// validField reports whether name is a lower-case field name and value
// holds only visible ASCII and inner spaces, so the request is valid
// HTTP/2 and means the same through any proxy.
func validField(name, value string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || ('A' <= c && c <= 'Z') || (c == ':' && i > 0) {
			return false
		}
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < ' ' || c >= 0x7f || (c == ' ' && (i == 0 || i == len(value)-1)) {
			return false
		}
	}
	return true
}

// VisibleASCII reports whether s is not empty and holds only printable
// ASCII other than space, as a path or an authority must.
func VisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}
