package results

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/latbench/latbench/bench/engine"
)

func TestNewHistogramRange(t *testing.T) {
	tests := []struct {
		name    string
		valueNs int64
		wantErr bool
	}{
		{name: "1 ns", valueNs: 1},
		{name: "1 ms", valueNs: int64(time.Millisecond)},
		{name: "60 s", valueNs: int64(60 * time.Second)},
		{name: "1 h", valueNs: int64(time.Hour)},
		{name: "2 h is out of range", valueNs: int64(2 * time.Hour), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := engine.NewHistogram()
			err := h.RecordValue(tt.valueNs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("RecordValue(%d) error = %v, wantErr %v", tt.valueNs, err, tt.wantErr)
			}
			if err == nil && !h.ValuesAreEquivalent(h.Max(), tt.valueNs) {
				t.Errorf("Max() = %d, want equivalent to %d", h.Max(), tt.valueNs)
			}
		})
	}
	if got := engine.NewHistogram().SignificantFigures(); got != 3 {
		t.Errorf("SignificantFigures() = %d, want 3", got)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		values []int64
	}{
		{name: "empty"},
		{name: "one value", values: []int64{1234}},
		{name: "wide range", values: []int64{1, 999, 123_456, 5_000_000, int64(59 * time.Second), int64(time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := engine.NewHistogram()
			for _, v := range tt.values {
				if err := h.RecordValue(v); err != nil {
					t.Fatal(err)
				}
			}
			enc, err := EncodeHistogram(h)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeHistogram(enc)
			if err != nil {
				t.Fatalf("DecodeHistogram: %v", err)
			}
			if !got.Equals(h) {
				t.Errorf("decoded histogram differs: got %v, want %v", got.Export(), h.Export())
			}
			if Summarize(got) != Summarize(h) {
				t.Errorf("Summarize(decoded) = %+v, want %+v", Summarize(got), Summarize(h))
			}
		})
	}
}

func TestEncodeHistogramNil(t *testing.T) {
	if _, err := EncodeHistogram(nil); err == nil {
		t.Error("EncodeHistogram(nil) succeeded, want error")
	}
}

// v2Header describes the uncompressed header of a V2 encoding.
type v2Header struct {
	cookie, payloadLen, sigFigs int32
	lowest, highest             int64
}

// frameV2 builds a V2 compressed encoding from a header and a raw counts
// payload, so tests can hand-craft hostile encodings.
func frameV2(hdr v2Header, payload []byte) string {
	var inner bytes.Buffer
	for _, v := range []any{hdr.cookie, hdr.payloadLen, int32(1), hdr.sigFigs, hdr.lowest, hdr.highest, float64(1)} {
		_ = binary.Write(&inner, binary.BigEndian, v)
	}
	inner.Write(payload)
	return frameCompressed(deflate(inner.Bytes()))
}

// deflate zlib-compresses b.
func deflate(b []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	_, _ = w.Write(b)
	_ = w.Close()
	return z.Bytes()
}

// frameCompressed wraps compressed contents in the outer V2 framing.
func frameCompressed(compressed []byte) string {
	return frameWithLength(compressed, int32(len(compressed)))
}

// frameWithLength is frameCompressed with a given, possibly false, length.
func frameWithLength(compressed []byte, length int32) string {
	var outer bytes.Buffer
	_ = binary.Write(&outer, binary.BigEndian, hdrhistogram.V2CompressedEncodingCookieBase|0x10)
	_ = binary.Write(&outer, binary.BigEndian, length)
	outer.Write(compressed)
	return base64.StdEncoding.EncodeToString(outer.Bytes())
}

// validHeader returns the header of a NewHistogram for a payload of n bytes.
func validHeader(n int) v2Header {
	return v2Header{
		cookie: hdrhistogram.V2EncodingCookieBase | 0x10, payloadLen: int32(n),
		sigFigs: engine.HistogramSigFigs, lowest: engine.HistogramLowestNs, highest: engine.HistogramHighestNs,
	}
}

func TestDecodeHistogramRejectsGarbage(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name    string
		encoded string
		wantErr string
	}{
		{name: "empty", encoded: "", wantErr: "empty"},
		{name: "not base64", encoded: "!!!!", wantErr: "base64"},
		{name: "too short", encoded: b64([]byte{0x1c, 0x84}), wantErr: "too short"},
		{name: "wrong cookie", encoded: b64(make([]byte, 16)), wantErr: "cookie"},
		{name: "negative length", encoded: frameWithLength([]byte{1, 2, 3}, -5), wantErr: "does not fit"},
		{name: "zero length", encoded: frameWithLength([]byte{1, 2, 3}, 0), wantErr: "does not fit"},
		{name: "length beyond input", encoded: frameWithLength([]byte{1, 2, 3}, 1000), wantErr: "does not fit"},
		{name: "length overflows", encoded: frameWithLength([]byte{1, 2, 3}, math.MaxInt32), wantErr: "does not fit"},
		{name: "min int length", encoded: frameWithLength([]byte{1, 2, 3}, math.MinInt32), wantErr: "does not fit"},
		{name: "bad zlib", encoded: frameCompressed([]byte("not zlib at all")), wantErr: "zlib"},
		{name: "truncated zlib", encoded: frameCompressed(deflate(make([]byte, 64))[:6]), wantErr: "zlib"},
		{name: "short inner header", encoded: frameCompressed(deflate([]byte{1, 2, 3})), wantErr: "shorter"},
		{name: "wrong inner cookie", encoded: frameV2(v2Header{cookie: 7, sigFigs: 3, lowest: 1, highest: 100}, nil), wantErr: "inner cookie"},
		{name: "payload length mismatch", encoded: frameV2(validHeader(5), []byte{2}), wantErr: "payload length"},
		{name: "zero significant digits", encoded: frameV2(v2Header{cookie: validHeader(0).cookie, sigFigs: 0, lowest: 1, highest: 100}, nil), wantErr: "significant"},
		{name: "six significant digits", encoded: frameV2(v2Header{cookie: validHeader(0).cookie, sigFigs: 6, lowest: 1, highest: 100}, nil), wantErr: "significant"},
		{name: "zero lowest", encoded: frameV2(v2Header{cookie: validHeader(0).cookie, sigFigs: 3, lowest: 0, highest: 100}, nil), wantErr: "range"},
		{name: "inverted range", encoded: frameV2(v2Header{cookie: validHeader(0).cookie, sigFigs: 3, lowest: 100, highest: 10}, nil), wantErr: "range"},
		{name: "lowest too large", encoded: frameV2(v2Header{cookie: validHeader(0).cookie, sigFigs: 3, lowest: 1 << 60, highest: math.MaxInt64}, nil), wantErr: "int64"},
		{name: "index beyond counts", encoded: frameV2(validHeader(4), []byte{0xff, 0xff, 0x7f, 0x02}), wantErr: "corrupt"},
		{name: "counts overflow", encoded: frameV2(validHeader(18), bytes.Repeat([]byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 2)), wantErr: "overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := DecodeHistogram(tt.encoded)
			if err == nil {
				t.Fatalf("DecodeHistogram succeeded with %v, want error containing %q", h.Export(), tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzDecodeHistogram(f *testing.F) {
	h := engine.NewHistogram()
	for _, v := range []int64{1, 250_000, 1_510_000, 61_000_000_000} {
		_ = h.RecordValue(v)
	}
	enc, _ := EncodeHistogram(h)
	empty, _ := EncodeHistogram(engine.NewHistogram())
	f.Add(enc, []byte{0x02, 0x03, 0x04})
	f.Add(empty, []byte{})
	f.Add("HISTFAAAAB", []byte{0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, encoded string, payload []byte) {
		// Arbitrary text, then an arbitrary counts payload behind a valid
		// header, so the fuzzer also reaches the counts decoder.
		for _, s := range []string{encoded, frameV2(validHeader(len(payload)), payload)} {
			h, err := DecodeHistogram(s)
			if err != nil {
				continue
			}
			if h.TotalCount() < 0 {
				t.Fatalf("decoded a negative total count %d", h.TotalCount())
			}
			_ = Summarize(h)
			if _, err := EncodeHistogram(h); err != nil {
				t.Fatalf("re-encoding a decoded histogram: %v", err)
			}
		}
	})
}
