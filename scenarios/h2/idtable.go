package h2

// idTable maps the stream IDs of the open streams to their slots: an
// open-addressing hash table with linear probing, sized once for the
// connection's slots so that it never grows and never allocates after
// newIDTable. Stream IDs are odd and handed out in order, so id>>1 taken
// modulo a power of two spreads consecutive IDs over consecutive cells.
type idTable struct {
	ids   []uint32 // 0: an empty cell
	slots []int32
	mask  uint32
}

// newIDTable returns a table for at most n streams at once. It keeps at
// least half of its cells empty, so probes stay short.
func newIDTable(n int) idTable {
	size := 2
	for size < 2*n {
		size *= 2
	}
	return idTable{ids: make([]uint32, size), slots: make([]int32, size), mask: uint32(size - 1)}
}

// home returns the cell where id's probe starts.
func (t *idTable) home(id uint32) uint32 { return (id >> 1) & t.mask }

// put records that stream id, not in the table, is carried by slot s.
func (t *idTable) put(id uint32, s int) {
	i := t.home(id)
	for t.ids[i] != 0 {
		i = (i + 1) & t.mask
	}
	t.ids[i], t.slots[i] = id, int32(s)
}

// get returns the slot of stream id, or -1 when id is not open.
func (t *idTable) get(id uint32) int {
	if id == 0 {
		return -1
	}
	for i := t.home(id); t.ids[i] != 0; i = (i + 1) & t.mask {
		if t.ids[i] == id {
			return int(t.slots[i])
		}
	}
	return -1
}

// del removes stream id, if present. It shifts the entries of the probe
// run that follows back into the gap (no tombstones), so that every entry
// stays reachable from its home cell.
func (t *idTable) del(id uint32) {
	i := t.home(id)
	for t.ids[i] != id {
		if t.ids[i] == 0 {
			return
		}
		i = (i + 1) & t.mask
	}
	for {
		t.ids[i] = 0
		j := i
		for {
			j = (j + 1) & t.mask
			if t.ids[j] == 0 {
				return
			}
			// The entry at j may move to the gap at i unless its home
			// lies cyclically in (i, j]: then it must stay after i.
			h := t.home(t.ids[j])
			if (j-h)&t.mask >= (j-i)&t.mask {
				break
			}
		}
		t.ids[i], t.slots[i] = t.ids[j], t.slots[j]
		i = j
	}
}

// clear empties the table.
func (t *idTable) clear() { clear(t.ids) }
