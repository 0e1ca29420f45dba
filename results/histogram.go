package results

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Limits that keep DecodeHistogram from trusting hostile input.
const (
	// v2CookieBase is the uncompressed V2 cookie, word-size nibble cleared.
	v2CookieBase = hdrhistogram.V2EncodingCookieBase
	// maxMagnitude is the largest unit magnitude plus sub-bucket half-count
	// magnitude whose bucket arithmetic fits in an int64.
	maxMagnitude = 61
	// maxEncodedLen bounds the base64 text accepted by DecodeHistogram.
	maxEncodedLen = 16 << 20
	// maxDecompressedLen bounds the inflated payload: 40 header bytes plus
	// at most 9 bytes per counter of the largest legal histogram.
	maxDecompressedLen = 64 << 20
	// encodingHeaderLen is the size of the uncompressed V2 header.
	encodingHeaderLen = 40
)

// EncodeHistogram returns h in the standard HdrHistogram V2 compressed
// encoding, as base64 text.
func EncodeHistogram(h *hdrhistogram.Histogram) (string, error) {
	if h == nil {
		return "", errors.New("encode histogram: nil histogram")
	}
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// DecodeHistogram parses a base64 HdrHistogram V2 compressed encoding, as
// written by EncodeHistogram or any other HdrHistogram implementation. It
// returns an error, never panics, on malformed input.
func DecodeHistogram(s string) (h *hdrhistogram.Histogram, err error) {
	if err := validateEncoding(s); err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	// hdrhistogram.Decode indexes its input without bounds checks; the
	// checks above cover the known cases and recover catches the rest.
	defer func() {
		if r := recover(); r != nil {
			h, err = nil, fmt.Errorf("decode histogram: corrupt encoding (%v)", r)
		}
	}()
	h, err = hdrhistogram.Decode([]byte(s))
	if err == nil {
		err = checkCounts(h)
	}
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

// checkCounts rejects a decoded histogram whose counters overflow when
// summed, which would make its total count and percentiles meaningless.
func checkCounts(h *hdrhistogram.Histogram) error {
	var total int64
	for _, c := range h.Export().Counts {
		if c < 0 || total > math.MaxInt64-c {
			return errors.New("counter total overflows int64")
		}
		total += c
	}
	if total != h.TotalCount() {
		return fmt.Errorf("total count %d, want %d", h.TotalCount(), total)
	}
	return nil
}

// validateEncoding checks the framing, the compressed payload and the
// header of an encoded histogram before the library decoder sees it.
func validateEncoding(s string) error {
	if len(s) == 0 {
		return errors.New("empty input")
	}
	if len(s) > maxEncodedLen {
		return fmt.Errorf("input of %d bytes exceeds the %d byte limit", len(s), maxEncodedLen)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not base64: %w", err)
	}
	if len(raw) < 8 {
		return fmt.Errorf("%d bytes is too short for a V2 header", len(raw))
	}
	if cookie := int32(binary.BigEndian.Uint32(raw[0:4])) &^ 0xf0; cookie != hdrhistogram.V2CompressedEncodingCookieBase {
		return fmt.Errorf("cookie %#x is not a V2 compressed histogram", cookie)
	}
	n := int64(int32(binary.BigEndian.Uint32(raw[4:8])))
	if n <= 0 || n > int64(len(raw)-8) {
		return fmt.Errorf("compressed length %d does not fit in %d payload bytes", n, len(raw)-8)
	}
	inflated, err := inflate(raw[8 : 8+n])
	if err != nil {
		return err
	}
	return validateHeader(inflated)
}

// inflate decompresses a zlib stream of at most maxDecompressedLen bytes.
func inflate(compressed []byte) ([]byte, error) {
	z, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		return nil, fmt.Errorf("bad zlib stream: %w", err)
	}
	defer z.Close()
	out, err := io.ReadAll(io.LimitReader(z, maxDecompressedLen+1))
	if err != nil {
		return nil, fmt.Errorf("bad zlib stream: %w", err)
	}
	if len(out) > maxDecompressedLen {
		return nil, fmt.Errorf("payload inflates beyond %d bytes", maxDecompressedLen)
	}
	return out, nil
}

// validateHeader checks the uncompressed V2 header: cookie, payload length
// and a histogram shape that hdrhistogram.New can build.
func validateHeader(b []byte) error {
	if len(b) < encodingHeaderLen {
		return fmt.Errorf("inflated payload of %d bytes is shorter than the %d byte header", len(b), encodingHeaderLen)
	}
	if cookie := int32(binary.BigEndian.Uint32(b[0:4])) &^ 0xf0; cookie != v2CookieBase {
		return fmt.Errorf("inner cookie %#x is not V2", cookie)
	}
	if n := int64(int32(binary.BigEndian.Uint32(b[4:8]))); n != int64(len(b)-encodingHeaderLen) {
		return fmt.Errorf("payload length %d, want %d", n, len(b)-encodingHeaderLen)
	}
	sigFigs := int32(binary.BigEndian.Uint32(b[12:16]))
	lowest := int64(binary.BigEndian.Uint64(b[16:24]))
	highest := int64(binary.BigEndian.Uint64(b[24:32]))
	if sigFigs < 1 || sigFigs > 5 {
		return fmt.Errorf("%d significant digits outside 1..5", sigFigs)
	}
	if lowest < 1 || highest/2 < lowest {
		return fmt.Errorf("range %d..%d is not a valid histogram range", lowest, highest)
	}
	if magnitudes(lowest, sigFigs) > maxMagnitude {
		return fmt.Errorf("%d significant digits above %d do not fit in int64", sigFigs, lowest)
	}
	return nil
}

// magnitudes returns the unit magnitude plus the sub-bucket half-count
// magnitude that hdrhistogram.New derives from lowest and sigFigs. Above
// maxMagnitude its bucket arithmetic overflows (and can loop forever).
func magnitudes(lowest int64, sigFigs int32) int {
	unit := bits.Len64(uint64(lowest)) - 1
	subBucketCount := 2 * math.Pow10(int(sigFigs))
	half := int(math.Ceil(math.Log2(subBucketCount))) - 1
	return unit + half
}
