//! A zlib (RFC 1950/1951) decoder for pack entries.

use std::sync::OnceLock;

/// The inflated stream at the start of `input`, which must inflate to
/// exactly `size` bytes and match its Adler-32; `None` otherwise.
pub(super) fn zlib(input: &[u8], size: usize) -> Option<Vec<u8>> {
    let (&cmf, rest) = input.split_first()?;
    let &flg = rest.first()?;
    if cmf & 0x0f != 8 || cmf >> 4 > 7 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
        return None;
    }
    if flg & 0x20 != 0 {
        return None; // a preset dictionary: never in git
    }
    let mut bits = Bits {
        input,
        pos: 2,
        buf: 0,
        count: 0,
    };
    let mut out = Vec::with_capacity(size);
    deflate(&mut bits, &mut out, size)?;
    // The Adler-32 after the last block, big-endian, byte-aligned.
    bits.align();
    let mut check = 0u32;
    for _ in 0..4 {
        check = check << 8 | bits.take(8)?;
    }
    (out.len() == size && check == adler32(&out)).then_some(out)
}

pub(super) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    b << 16 | a
}

/// Bits of the input, least significant first.
struct Bits<'a> {
    input: &'a [u8],
    pos: usize,
    buf: u64,
    count: u32,
}

impl Bits<'_> {
    #[inline]
    fn refill(&mut self) {
        if self.count > 56 {
            return;
        }
        if let Some(bytes) = self.input.get(self.pos..self.pos + 8) {
            let mut word = [0; 8];
            word.copy_from_slice(bytes);
            // The bits loaded beyond `count` are the next input bytes
            // at their own places, so loading them again is harmless.
            self.buf |= u64::from_le_bytes(word) << self.count;
            let take = (63 - self.count) / 8;
            self.pos += take as usize;
            self.count += take * 8;
        } else {
            while self.count <= 56 {
                let Some(&byte) = self.input.get(self.pos) else {
                    break;
                };
                self.buf |= u64::from(byte) << self.count;
                self.pos += 1;
                self.count += 8;
            }
        }
    }

    #[inline]
    fn take(&mut self, n: u32) -> Option<u32> {
        if n == 0 {
            return Some(0);
        }
        self.refill();
        if self.count < n {
            return None;
        }
        let value = (self.buf & ((1u64 << n) - 1)) as u32;
        self.buf >>= n;
        self.count -= n;
        Some(value)
    }

    /// Drops the bits up to the next byte boundary.
    fn align(&mut self) {
        let drop = self.count % 8;
        self.buf >>= drop;
        self.count -= drop;
    }

    /// Moves the bytes still held in `buf` back to the input, so that
    /// `pos` is the next unread byte.
    fn unread(&mut self) {
        self.align();
        self.pos -= (self.count / 8) as usize;
        self.buf = 0;
        self.count = 0;
    }
}

const FAST: u32 = 10;

/// A canonical Huffman code: a table for codes up to `bits` bits (the
/// longest code, at most `FAST`), and counts and symbols for decoding
/// longer ones bit by bit. Sizing the table to the longest code keeps
/// building it cheap for the small blocks of deltas.
struct Huffman {
    fast: Vec<u16>,
    bits: u32,
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Option<Huffman> {
        let mut counts = [0u16; 16];
        for &len in lengths {
            counts[usize::from(len)] += 1;
        }
        counts[0] = 0;
        let mut left = 1i32;
        for &count in &counts[1..] {
            left = left * 2 - i32::from(count);
            if left < 0 {
                return None; // over-subscribed
            }
        }
        let mut offsets = [0u16; 16];
        for len in 1..15 {
            offsets[len + 1] = offsets[len] + counts[len];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (symbol, &len) in lengths.iter().enumerate() {
            if len != 0 {
                symbols[usize::from(offsets[usize::from(len)])] = symbol as u16;
                offsets[usize::from(len)] += 1;
            }
        }
        let longest = (1..16u32).rev().find(|&len| counts[len as usize] != 0);
        let bits = longest.unwrap_or(1).min(FAST);
        let mut fast = vec![0u16; 1 << bits];
        let mut code = 0u32;
        let mut index = 0usize;
        for len in 1..=bits {
            for _ in 0..counts[len as usize] {
                let symbol = symbols[index];
                index += 1;
                let reversed = code.reverse_bits() >> (32 - len);
                let mut slot = reversed as usize;
                while slot < fast.len() {
                    fast[slot] = symbol << 4 | len as u16;
                    slot += 1 << len;
                }
                code += 1;
            }
            code <<= 1;
        }
        Some(Huffman {
            fast,
            bits,
            counts,
            symbols,
        })
    }

    #[inline]
    fn decode(&self, bits: &mut Bits<'_>) -> Option<u16> {
        bits.refill();
        let entry = self.fast[(bits.buf & ((1 << self.bits) - 1)) as usize];
        if entry != 0 {
            let len = u32::from(entry & 15);
            if len > bits.count {
                return None;
            }
            bits.buf >>= len;
            bits.count -= len;
            return Some(entry >> 4);
        }
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= bits.take(1)? as i32;
            let count = i32::from(self.counts[len]);
            if code - count < first {
                return self.symbols.get((index + code - first) as usize).copied();
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        None
    }
}

const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DISTANCE_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

fn fixed() -> &'static (Huffman, Huffman) {
    static FIXED: OnceLock<(Huffman, Huffman)> = OnceLock::new();
    FIXED.get_or_init(|| {
        let mut lengths = [8u8; 288];
        lengths[144..256].fill(9);
        lengths[256..280].fill(7);
        let literals = Huffman::new(&lengths);
        let distances = Huffman::new(&[5; 30]);
        match (literals, distances) {
            (Some(l), Some(d)) => (l, d),
            _ => unreachable!("the fixed codes are complete"),
        }
    })
}

fn deflate(bits: &mut Bits<'_>, out: &mut Vec<u8>, limit: usize) -> Option<()> {
    loop {
        let last = bits.take(1)?;
        match bits.take(2)? {
            0 => {
                bits.unread();
                let header = bits.input.get(bits.pos..bits.pos + 4)?;
                let len = usize::from(u16::from_le_bytes([header[0], header[1]]));
                let inverse = u16::from_le_bytes([header[2], header[3]]);
                if len as u16 != !inverse {
                    return None;
                }
                bits.pos += 4;
                out.extend_from_slice(bits.input.get(bits.pos..bits.pos + len)?);
                bits.pos += len;
            }
            1 => {
                let (literals, distances) = fixed();
                codes(bits, out, literals, distances, limit)?;
            }
            2 => {
                let (literals, distances) = dynamic(bits)?;
                codes(bits, out, &literals, &distances, limit)?;
            }
            _ => return None,
        }
        if out.len() > limit {
            return None;
        }
        if last == 1 {
            return Some(());
        }
    }
}

fn dynamic(bits: &mut Bits<'_>) -> Option<(Huffman, Huffman)> {
    const ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];
    let literals = bits.take(5)? as usize + 257;
    let distances = bits.take(5)? as usize + 1;
    let code_lengths = bits.take(4)? as usize + 4;
    if literals > 286 || distances > 30 {
        return None;
    }
    let mut lengths = [0u8; 19];
    for &slot in &ORDER[..code_lengths] {
        lengths[slot] = bits.take(3)? as u8;
    }
    let code = Huffman::new(&lengths)?;
    let mut lengths = vec![0u8; literals + distances];
    let mut n = 0;
    while n < lengths.len() {
        let symbol = code.decode(bits)?;
        let (value, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => (*lengths.get(n.checked_sub(1)?)?, 3 + bits.take(2)? as usize),
            17 => (0, 3 + bits.take(3)? as usize),
            18 => (0, 11 + bits.take(7)? as usize),
            _ => return None,
        };
        let end = n + repeat;
        lengths.get_mut(n..end)?.fill(value);
        n = end;
    }
    if lengths[256] == 0 {
        return None; // no end-of-block code
    }
    Some((
        Huffman::new(&lengths[..literals])?,
        Huffman::new(&lengths[literals..])?,
    ))
}

fn codes(
    bits: &mut Bits<'_>,
    out: &mut Vec<u8>,
    literals: &Huffman,
    distances: &Huffman,
    limit: usize,
) -> Option<()> {
    loop {
        let symbol = literals.decode(bits)?;
        if symbol < 256 {
            out.push(symbol as u8);
            continue;
        }
        if symbol == 256 {
            return Some(());
        }
        let n = usize::from(symbol - 257);
        let len =
            usize::from(*LENGTH_BASE.get(n)?) + bits.take(u32::from(LENGTH_EXTRA[n]))? as usize;
        let d = usize::from(distances.decode(bits)?);
        let distance =
            usize::from(*DISTANCE_BASE.get(d)?) + bits.take(u32::from(DISTANCE_EXTRA[d]))? as usize;
        if distance > out.len() || out.len() + len > limit {
            return None;
        }
        let start = out.len() - distance;
        if distance >= len {
            out.extend_from_within(start..start + len);
        } else {
            for i in 0..len {
                out.push(out[start + i]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflate_reads_what_zlib_wrote() {
        // zlib's own output: a fixed Huffman block with a back reference;
        // and a stored block.
        let fixed = [
            0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x90, 0x00, 0x3a, 0x2e,
            0x06, 0x7d,
        ];
        assert_eq!(zlib(&fixed, 17).as_deref(), Some(&b"hello hello hello"[..]));
        assert_eq!(zlib(&fixed, 16), None, "the declared size is checked");
        let mut stored = vec![0x78, 0x01, 0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c'];
        stored.extend_from_slice(&adler32(b"abc").to_be_bytes());
        assert_eq!(zlib(&stored, 3).as_deref(), Some(&b"abc"[..]));
        let last = stored.len() - 1;
        stored[last] ^= 1;
        assert_eq!(zlib(&stored, 3), None, "the Adler-32 is checked");
    }
}
