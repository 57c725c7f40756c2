/*
 * tokenizer.c - the streaming EDIFACT reader.
 *
 * Bytes come through one fixed read buffer, so memory stays constant whatever
 * the size of the interchange. The structural scanner (scan.c) describes the
 * buffer a few kilobytes ahead of the reader, in a small ring of bitmasks of
 * the terminator, separators and release character, 64 bytes per block. A
 * segment that lies whole in the buffer without release characters is
 * described where it lies: its terminator is the next bit of the terminator
 * masks, and the reader walks the set bits of the separator masks, one step
 * per separator and none per data byte. The other segments are unescaped
 * into one segment buffer bounded by the segment length limit, byte by byte,
 * with a byte class table telling separators from data.
 */
#include "edifact/tokenizer.h"
#include "edifact/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BUFFER_SIZE (1024 * 1024)   /* a multiple of KH_EDI_SCAN_BLOCK */
#define SCAN_AHEAD_BLOCKS 64               /* 4 KiB scanned at a time */
#define SCAN_RING_BLOCKS 256               /* masks of the last 16 KiB scanned */

enum byte_class {
    BYTE_DATA = 0,
    BYTE_COMPONENT,
    BYTE_ELEMENT,
    BYTE_RELEASE,
    BYTE_REPETITION,
    BYTE_TERMINATOR
};

struct kh_edi_reader {
    kh_edi_read_fn read;
    void          *read_ctx;
    kh_edi_limits  limits;

    unsigned char *buf;           /* read buffer */
    size_t         buf_len;       /* bytes in buf */
    size_t         buf_pos;       /* next byte to look at */
    uint64_t       buf_offset;    /* input offset of buf[0] */
    bool           eof;

    kh_edi_separators seps;       /* in force; repetition 0 while inactive */
    unsigned char  una_repetition;/* UNA position 5 as sent, 0 without UNA */
    bool           had_una;
    bool           unob_defaults;
    bool           between_interchanges;
    unsigned char  byte_class[256];

    /* the structural index: the scanner, the characters it looks for,
     * masks that keep or drop its repetition and release masks (all ones
     * when in use), and the masks of the buffer's blocks from offset
     * scan_from to scan_upto (multiples of 64; equal when none), block b in
     * scan_ring[b % SCAN_RING_BLOCKS] */
    kh_edi_scan_fn    scan;
    kh_edi_scan_chars scan_chars;
    uint64_t       repetition_in_use, release_in_use;
    size_t         scan_from, scan_upto;
    kh_edi_scan_masks scan_ring[SCAN_RING_BLOCKS];

    kh_edi_segment seg;
    unsigned char *own_data;      /* the segment buffer; seg.data points here or into buf */
    size_t         elem_cap, rep_cap, comp_cap, data_cap;
    uint32_t       elems_plain;   /* seg.elem[i] is { i, 1 } for every i below this */

    /* for the fd and memory sources */
    int            fd;
    const unsigned char *mem;
    size_t         mem_size, mem_pos;
};

/* ------------------------------------------------------------ sources */

static ssize_t read_fd(void *ctx, void *buf, size_t n)
{
    kh_edi_reader *r = ctx;
    for (;;) {
        ssize_t got = read(r->fd, buf, n);
        if (got >= 0 || errno != EINTR)
            return got;
    }
}

static ssize_t read_memory(void *ctx, void *buf, size_t n)
{
    kh_edi_reader *r = ctx;
    size_t left = r->mem_size - r->mem_pos;
    if (n > left)
        n = left;
    memcpy(buf, r->mem + r->mem_pos, n);
    r->mem_pos += n;
    return (ssize_t)n;
}

/* ------------------------------------------------------------ separators */

static void build_byte_classes(kh_edi_reader *r)
{
    memset(r->byte_class, BYTE_DATA, sizeof r->byte_class);
    r->byte_class[r->seps.component] = BYTE_COMPONENT;
    r->byte_class[r->seps.element] = BYTE_ELEMENT;
    if (r->seps.release)
        r->byte_class[r->seps.release] = BYTE_RELEASE;
    if (r->seps.repetition)
        r->byte_class[r->seps.repetition] = BYTE_REPETITION;
    r->byte_class[r->seps.terminator] = BYTE_TERMINATOR;

    kh_edi_scan_chars chars = {
        .terminator = r->seps.terminator, .element = r->seps.element,
        .component = r->seps.component, .repetition = r->seps.repetition,
        .release = r->seps.release,
    };
    r->scan_chars = chars;
    r->repetition_in_use = r->seps.repetition ? ~(uint64_t)0 : 0;
    r->release_in_use = r->seps.release ? ~(uint64_t)0 : 0;
    r->scan_from = r->scan_upto = 0;      /* scanned for other characters */
}

static void use_default_separators(kh_edi_reader *r, bool unob)
{
    kh_edi_separators_default(&r->seps, unob, 3);  /* repetition off until UNB says 4 */
    r->unob_defaults = unob;
    r->una_repetition = 0;
    build_byte_classes(r);
}

void kh_edi_reader_set_version(kh_edi_reader *r, int version)
{
    unsigned char repetition = 0;
    if (version >= 4) {
        if (r->had_una)
            repetition = r->una_repetition == ' ' ? 0 : r->una_repetition;
        else
            repetition = r->unob_defaults ? 0x1E : '*';
    }
    r->seps.repetition = repetition;
    build_byte_classes(r);
}

/* ------------------------------------------------------------ buffer */

/* Makes at least want bytes available from buf_pos when the input has them;
 * returns how many are available. */
static size_t ensure_available(kh_edi_reader *r, size_t want)
{
    while (r->buf_len - r->buf_pos < want && !r->eof) {
        if (r->buf_pos > 0) {
            size_t left = r->buf_len - r->buf_pos;
            memmove(r->buf, r->buf + r->buf_pos, left);
            r->buf_offset += r->buf_pos;
            r->buf_len = left;
            r->buf_pos = 0;
        }
        r->scan_from = r->scan_upto = 0;  /* the bytes move, or the last block grows */
        ssize_t got = r->read(r->read_ctx, r->buf + r->buf_len, READ_BUFFER_SIZE - r->buf_len);
        if (got < 0)
            return (size_t)-1;
        if (got == 0)
            r->eof = true;
        r->buf_len += (size_t)got;
    }
    return r->buf_len - r->buf_pos;
}

/* Refills an exhausted buffer; returns bytes now available, 0 at the end,
 * (size_t)-1 on a read error. */
static size_t refill(kh_edi_reader *r)
{
    if (r->buf_pos < r->buf_len)
        return r->buf_len - r->buf_pos;
    r->buf_offset += r->buf_len;
    r->buf_len = r->buf_pos = 0;
    r->scan_from = r->scan_upto = 0;
    if (r->eof)
        return 0;
    ssize_t got = r->read(r->read_ctx, r->buf, READ_BUFFER_SIZE);
    if (got < 0)
        return (size_t)-1;
    if (got == 0)
        r->eof = true;
    r->buf_len = (size_t)got;
    return r->buf_len;
}

/* ------------------------------------------------------------ lifecycle */

kh_edi_reader *kh_edi_reader_new(kh_edi_read_fn read, void *ctx, const kh_edi_limits *limits)
{
    kh_edi_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->read = read;
    r->read_ctx = ctx;
    if (limits)
        r->limits = *limits;
    else
        kh_edi_limits_default(&r->limits);
    r->buf = calloc(1, READ_BUFFER_SIZE);   /* zeroed: the scanner reads whole blocks */
    r->scan = kh_edi_scan_function(KH_EDI_SCAN_BEST);
    r->data_cap = r->limits.max_segment_length;
    r->own_data = r->seg.data = malloc(r->data_cap + 1);
    r->elem_cap = r->rep_cap = r->comp_cap = 256;   /* grown when a segment needs more */
    r->seg.elem = malloc(r->elem_cap * sizeof *r->seg.elem);
    r->seg.rep = malloc(r->rep_cap * sizeof *r->seg.rep);
    r->seg.comp = malloc(r->comp_cap * sizeof *r->seg.comp);
    if (!r->buf || !r->seg.data || !r->seg.elem || !r->seg.rep || !r->seg.comp) {
        kh_edi_reader_free(r);
        return NULL;
    }
    r->between_interchanges = true;
    use_default_separators(r, false);
    return r;
}

kh_edi_reader *kh_edi_reader_for_fd(int fd, const kh_edi_limits *limits)
{
    kh_edi_reader *r = kh_edi_reader_new(read_fd, NULL, limits);
    if (r) {
        r->read_ctx = r;
        r->fd = fd;
    }
    return r;
}

kh_edi_reader *kh_edi_reader_for_memory(const void *data, size_t size, const kh_edi_limits *limits)
{
    kh_edi_reader *r = kh_edi_reader_new(read_memory, NULL, limits);
    if (r) {
        r->read_ctx = r;
        r->mem = data;
        r->mem_size = size;
    }
    return r;
}

void kh_edi_reader_free(kh_edi_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->own_data);
    free(r->seg.elem);
    free(r->seg.rep);
    free(r->seg.comp);
    free(r);
}

bool kh_edi_reader_set_scan(kh_edi_reader *r, kh_edi_scan_kind kind)
{
    kh_edi_scan_fn scan = kh_edi_scan_function(kind);
    if (!scan)
        return false;
    r->scan = scan;
    r->scan_from = r->scan_upto = 0;
    return true;
}

const kh_edi_separators *kh_edi_reader_separators(const kh_edi_reader *r) { return &r->seps; }
bool kh_edi_reader_had_una(const kh_edi_reader *r) { return r->had_una; }
uint64_t kh_edi_reader_offset(const kh_edi_reader *r) { return r->buf_offset + r->buf_pos; }

/* ------------------------------------------------------------ issues */

static void set_issue(kh_edi_issue *issue, int code, uint32_t element, uint32_t component,
                      uint32_t repetition, const char *text)
{
    if (issue->code)
        return;   /* the first one counts */
    issue->code = code;
    issue->element = element;
    issue->component = component;
    issue->repetition = repetition;
    snprintf(issue->text, sizeof issue->text, "%s", text);
}

/* ------------------------------------------------------------ UNA */

static bool is_alnum_or_space(unsigned char c)
{
    return c == ' ' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Reads "UNA" and its six characters at buf_pos. */
static int read_service_string_advice(kh_edi_reader *r, kh_edi_issue *issue)
{
    kh_edi_segment *seg = &r->seg;
    size_t avail = ensure_available(r, 9);
    if (avail == (size_t)-1)
        return -1;
    seg->offset = kh_edi_reader_offset(r);
    memcpy(seg->tag, "UNA", 4);
    seg->elements = 0;
    seg->length = avail < 9 ? (uint32_t)avail : 9;
    seg->trailing_separator = false;
    r->seg.elem[0].first_rep = 0;
    r->seg.elem[0].reps = 0;
    r->elems_plain = 0;
    if (avail < 9) {
        r->buf_pos = r->buf_len;
        set_issue(issue, 13, 0, 0, 0, "the service string advice (UNA) is cut short");
        return 1;
    }
    const unsigned char *una = r->buf + r->buf_pos + 3;
    r->buf_pos += 9;

    kh_edi_separators s = {
        .component = una[0], .element = una[1], .decimal = una[2],
        .release = una[3] == ' ' ? 0 : una[3],
        .repetition = 0, .terminator = una[5],
    };
    unsigned char distinct[5] = { s.component, s.element, s.terminator, s.release, una[4] == ' ' ? 0 : una[4] };
    for (int i = 0; i < 5; i++) {
        if (i < 3 && is_alnum_or_space(distinct[i]))
            set_issue(issue, 20, 0, 0, 0, "a UNA separator is a letter, digit or space");
        for (int j = i + 1; j < 5; j++)
            if (distinct[i] && distinct[i] == distinct[j])
                set_issue(issue, 20, 0, 0, 0, "the same character is used for two service characters in UNA");
    }
    if (s.decimal != '.' && s.decimal != ',')
        set_issue(issue, 19, 0, 0, 0, "the UNA decimal mark is neither '.' nor ','");
    if (issue->code == 20)
        return 1;   /* keep the separators in force: these would make nonsense */

    r->seps = s;
    r->una_repetition = una[4];
    r->had_una = true;
    r->unob_defaults = false;
    build_byte_classes(r);
    return 1;
}

/* ------------------------------------------------------------ segments */

/* What is skipped after a limit was passed: the rest of a repetition (too
 * many components or repetitions), or the rest of the segment (too many
 * elements, or too long). */
enum skipping { SKIP_NONE, SKIP_CONSTITUENT, SKIP_SEGMENT };

/* The segment being built. It lives in read_segment's frame and is only
 * handed to inline helpers, so the compiler keeps it in registers; behind the
 * reader, every byte stored into the data buffer could alias it. The last
 * entry of each array is the open one. */
typedef struct build {
    kh_edi_span *comp;
    kh_edi_rep  *rep;
    kh_edi_elem *elem;
    uint32_t     comps, reps, elems;
    uint32_t     data_len;
    uint32_t     comp_start;        /* data offset of the open component */
    int          skipping;
} build;

/* Doubles an array of the segment; out of line, it is rarely needed. */
static __attribute__((noinline)) void *grow(void *array, size_t *cap, size_t item)
{
    void *p = realloc(array, *cap * 2 * item);
    if (p)
        *cap *= 2;
    return p;
}

static inline void close_component(build *b)
{
    b->comp[b->comps - 1].off = b->comp_start;
    b->comp[b->comps - 1].len = b->data_len - b->comp_start;
}

static inline void close_repetition(build *b)
{
    kh_edi_rep *rep = &b->rep[b->reps - 1];
    rep->components = b->comps - rep->first_component;
}

static inline void close_element(build *b)
{
    kh_edi_elem *el = &b->elem[b->elems - 1];
    el->reps = b->reps - el->first_rep;
}

static inline bool open_component(kh_edi_reader *r, build *b)
{
    if (b->comps == r->comp_cap) {
        kh_edi_span *p = grow(r->seg.comp, &r->comp_cap, sizeof *p);
        if (!p)
            return false;
        r->seg.comp = b->comp = p;
    }
    b->comps++;
    b->comp_start = b->data_len;
    return true;
}

static inline bool open_repetition(kh_edi_reader *r, build *b)
{
    if (b->reps == r->rep_cap) {
        kh_edi_rep *p = grow(r->seg.rep, &r->rep_cap, sizeof *p);
        if (!p)
            return false;
        r->seg.rep = b->rep = p;
    }
    b->rep[b->reps++].first_component = b->comps;
    return open_component(r, b);
}

static inline bool open_element(kh_edi_reader *r, build *b)
{
    if (b->elems == r->elem_cap) {
        kh_edi_elem *p = grow(r->seg.elem, &r->elem_cap, sizeof *p);
        if (!p)
            return false;
        r->seg.elem = b->elem = p;
    }
    b->elem[b->elems++].first_rep = b->reps;
    return open_repetition(r, b);
}

/* Each separator closes what it ends and opens what follows, unless a limit
 * is passed: then the issue is noted and the rest is skipped. */
static inline bool on_component_separator(kh_edi_reader *r, build *b, kh_edi_issue *issue)
{
    close_component(b);
    uint32_t components = b->comps - b->rep[b->reps - 1].first_component;
    if (components >= r->limits.max_components) {
        b->skipping = SKIP_CONSTITUENT;
        set_issue(issue, 16, b->elems - 1, components + 1, 0, "more components than the configured limit");
        return true;
    }
    return open_component(r, b);
}

static inline bool on_repetition_separator(kh_edi_reader *r, build *b, kh_edi_issue *issue)
{
    if (b->skipping == SKIP_NONE)
        close_component(b);
    close_repetition(b);
    b->skipping = SKIP_NONE;
    uint32_t reps = b->reps - b->elem[b->elems - 1].first_rep;
    if (reps >= r->limits.max_repetitions) {
        b->skipping = SKIP_CONSTITUENT;
        set_issue(issue, 35, b->elems - 1, 0, reps + 1, "more repetitions than the configured limit");
        b->rep[b->reps - 1].components = b->comps - b->rep[b->reps - 1].first_component;
        return true;
    }
    return open_repetition(r, b);
}

static inline bool on_element_separator(kh_edi_reader *r, build *b, kh_edi_issue *issue)
{
    if (b->skipping == SKIP_NONE)
        close_component(b);
    close_repetition(b);
    close_element(b);
    b->skipping = SKIP_NONE;
    if (b->elems - 1 >= r->limits.max_elements) {
        b->skipping = SKIP_SEGMENT;
        set_issue(issue, 16, b->elems, 0, 0, "more data elements than the configured limit");
        return true;
    }
    return open_element(r, b);
}

/* 1 for an upper-case letter or a digit; without a branch (| and &
 * rather than || and &&): tags are checked for every segment. */
static inline unsigned is_tag_character(unsigned char c)
{
    return ((unsigned)(c - 'A') < 26) | ((unsigned)(c - '0') < 10);
}

/* Fills seg->tag from element 0 and checks its shape. The tag is stored in
 * one 4-byte store: readers compare it as 4 bytes, and a load that spans
 * several smaller stores waits for them (a store-forwarding stall that once
 * cost a fifth of the tokenizing time). */
static inline void finish_tag(kh_edi_reader *r, kh_edi_issue *issue)
{
    kh_edi_segment *seg = &r->seg;
    const kh_edi_span *t = &seg->comp[0];
    const unsigned char *c = seg->data + t->off;
    if (t->len == 3 && (is_tag_character(c[0]) & is_tag_character(c[1]) & is_tag_character(c[2]))) {
        char tag[4] = { (char)c[0], (char)c[1], (char)c[2], '\0' };
        memcpy(seg->tag, tag, 4);
    } else {
        seg->tag[0] = '\0';
        set_issue(issue, 15, 0, 0, 0, "the segment tag is not three upper-case letters or digits");
    }
}

/* Scans the blocks of the buffer from offset block (a multiple of 64, below
 * buf_len) on, SCAN_AHEAD_BLOCKS of them or up to the end of the data, into
 * the ring; out of line, it runs once per few kilobytes. The last block may
 * reach past buf_len: the buffer is whole blocks long, its bytes are always
 * initialized, and no reader looks at bits past buf_len. */
static __attribute__((noinline)) void scan_ahead(kh_edi_reader *r, size_t block)
{
    if (block != r->scan_upto)
        r->scan_from = block;            /* not where the last scan ended: start afresh */
    size_t first = block / KH_EDI_SCAN_BLOCK;
    size_t blocks = (r->buf_len + KH_EDI_SCAN_BLOCK - 1) / KH_EDI_SCAN_BLOCK - first;
    if (blocks > SCAN_AHEAD_BLOCKS)
        blocks = SCAN_AHEAD_BLOCKS;
    size_t slot = first % SCAN_RING_BLOCKS;
    size_t before_wrap = SCAN_RING_BLOCKS - slot;
    if (blocks <= before_wrap) {
        r->scan(r->buf + block, blocks, &r->scan_chars, r->scan_ring + slot);
    } else {
        r->scan(r->buf + block, before_wrap, &r->scan_chars, r->scan_ring + slot);
        r->scan(r->buf + block + before_wrap * KH_EDI_SCAN_BLOCK, blocks - before_wrap, &r->scan_chars,
                r->scan_ring);
    }
    r->scan_upto = block + blocks * KH_EDI_SCAN_BLOCK;
    if (r->scan_upto - r->scan_from > SCAN_RING_BLOCKS * KH_EDI_SCAN_BLOCK)
        r->scan_from = r->scan_upto - SCAN_RING_BLOCKS * KH_EDI_SCAN_BLOCK;   /* overwritten */
}

/* The masks of the block of the buffer at offset block (a multiple of 64,
 * below buf_len), scanned now if the ring does not hold them. The copy
 * stays right whatever is scanned later. */
static inline kh_edi_scan_masks masks_of_block(kh_edi_reader *r, size_t block)
{
    if (block < r->scan_from || block >= r->scan_upto)
        scan_ahead(r, block);
    return r->scan_ring[(block / KH_EDI_SCAN_BLOCK) % SCAN_RING_BLOCKS];
}

/* Number of bits set, in plain C (__builtin_popcountll is a library call
 * without -mpopcnt); only needed for segments near the reader's limits. */
static inline unsigned count_bits(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

/* The common case, without copying: a segment that lies whole in the read
 * buffer, has no release character, no repetition separator and keeps
 * within the limits is described where it lies (seg->data points into the
 * buffer). Returns 1 when done, 0 when the segment is not such a one
 * (nothing consumed: read_segment takes it from the start).
 *
 * The terminator is found first, in the terminator masks of the structural
 * index; then the separators before it are visited by walking the set bits
 * of the separator masks, and each costs the same few instructions whether
 * it ends a component or an element: separators come in no predictable
 * order, so a branch per kind would often be guessed wrong. Without
 * repetitions, element i has the one repetition i: the loop closes the open
 * component, writes the count of the open repetition (a later separator
 * overwrites it while it stays open), and opens an element by adding 0 or
 * 1. elem[i] is then { i, 1 }, which it already is unless the copying reader
 * wrote there (elems_plain). A segment with more constituents than the
 * arrays hold or than the smallest limit is left to the copying reader,
 * which grows the arrays and reports what passes a limit; so no limit is
 * checked per separator. */
static int read_segment_in_place(kh_edi_reader *r, kh_edi_issue *issue)
{
    kh_edi_segment *seg = &r->seg;
    const size_t start = r->buf_pos;
    size_t stop = r->buf_len;                    /* the terminator must come before */
    if (stop - start > r->limits.max_segment_length)
        stop = start + r->limits.max_segment_length;   /* longer: the copying reader reports it */

    /* the terminator */
    size_t block = start & ~(size_t)(KH_EDI_SCAN_BLOCK - 1);
    uint64_t terminators = masks_of_block(r, block).terminator & (~(uint64_t)0 << (start - block));
    while (terminators == 0) {
        block += KH_EDI_SCAN_BLOCK;
        if (block >= stop)
            return 0;                            /* more input needed, or too long */
        terminators = masks_of_block(r, block).terminator;
    }
    const size_t end = block + (size_t)__builtin_ctzll(terminators);
    if (end >= stop)
        return 0;

    /* the most components (so elements) described here */
    size_t room = r->comp_cap;
    if (room > r->rep_cap)
        room = r->rep_cap;
    if (room > r->elem_cap)
        room = r->elem_cap;
    if (room > r->limits.max_components)
        room = r->limits.max_components;
    if (room > r->limits.max_elements)
        room = r->limits.max_elements;

    /* the separators: comps and elems count the open ones too; rep_first
     * is the first component of the open element's repetition; offsets are
     * from the segment's start */
    kh_edi_span *comp = seg->comp;
    kh_edi_rep *rep = seg->rep;
    uint32_t comps = 1, elems = 1, rep_first = 0, comp_start = 0;
    rep[0].first_component = 0;
    for (block = start & ~(size_t)(KH_EDI_SCAN_BLOCK - 1); block <= end; block += KH_EDI_SCAN_BLOCK) {
        kh_edi_scan_masks m = masks_of_block(r, block);
        uint64_t inside = ~(uint64_t)0;          /* the bits of the segment before its terminator */
        if (block < start)
            inside <<= start - block;
        if (end - block < KH_EDI_SCAN_BLOCK)
            inside &= ((uint64_t)1 << (end - block)) - 1;
        if (((m.release & r->release_in_use) | (m.repetition & r->repetition_in_use)) & inside)
            return 0;
        uint64_t separators = (m.component | m.element) & inside;
        if (comps + KH_EDI_SCAN_BLOCK > room && comps + count_bits(separators) > room)
            return 0;
        const uint32_t block_at = (uint32_t)(block - start);   /* may wrap below 0: only added to */
        while (separators) {
            unsigned bit = (unsigned)__builtin_ctzll(separators);
            separators &= separators - 1;
            uint32_t at = block_at + bit;
            uint32_t ends_element = (uint32_t)(m.element >> bit) & 1;

            comp[comps - 1] = (kh_edi_span){ comp_start, at - comp_start };
            rep[elems - 1].components = comps - rep_first;
            comps++;
            elems += ends_element;
            rep_first = ends_element ? comps - 1 : rep_first;
            rep[elems - 1].first_component = rep_first;
            comp_start = at + 1;                 /* the next value starts after its separator */
        }
    }

    uint32_t at = (uint32_t)(end - start);
    comp[comps - 1] = (kh_edi_span){ comp_start, at - comp_start };
    rep[elems - 1].components = comps - rep_first;
    for (; r->elems_plain < elems; r->elems_plain++) {   /* seldom: kept from before */
        seg->elem[r->elems_plain].first_rep = r->elems_plain;
        seg->elem[r->elems_plain].reps = 1;
    }
    seg->offset = kh_edi_reader_offset(r);
    seg->data = r->buf + start;
    seg->trailing_separator = at == comp_start && comps > 1;
    seg->elements = elems - 1;
    seg->length = at + 1;
    r->buf_pos = end + 1;
    finish_tag(r, issue);
    return 1;
}

/* Tokenizes one segment from buf_pos up to and including its terminator,
 * copying its values (without release characters) into the segment buffer.
 * Runs of plain data are copied by the tightest loop; each service
 * character costs one table lookup and a switch. */
static int read_segment(kh_edi_reader *r, kh_edi_issue *issue)
{
    kh_edi_segment *seg = &r->seg;
    const unsigned char *cls = r->byte_class;
    unsigned char *data = seg->data = r->own_data;
    const uint32_t max_len = (uint32_t)(r->limits.max_segment_length > UINT32_MAX - 1
                                        ? UINT32_MAX - 1 : r->limits.max_segment_length);
    build b = { .comp = seg->comp, .rep = seg->rep, .elem = seg->elem };
    bool released = false, after_separator = false, terminated = false;
    r->elems_plain = 0;                        /* elem[] is written below */

    seg->offset = kh_edi_reader_offset(r);
    if (!open_element(r, &b))
        return -1;

    while (!terminated) {
        if (r->buf_pos == r->buf_len) {
            size_t avail = refill(r);
            if (avail == (size_t)-1)
                return -1;
            if (avail == 0) {
                set_issue(issue, 13, 0, 0, 0, "the input ends inside a segment: no segment terminator");
                break;
            }
        }
        const unsigned char *p = r->buf + r->buf_pos;
        const unsigned char *end = r->buf + r->buf_len;

        while (p < end) {
            unsigned char c;
            if (released) {                  /* the character after a release */
                released = false;
                c = *p++;
                after_separator = false;
                if (b.skipping)
                    continue;
                if (b.data_len < max_len) {
                    data[b.data_len++] = c;
                    continue;
                }
                close_component(&b);
                b.skipping = SKIP_SEGMENT;
                set_issue(issue, 16, 0, 0, 0, "the segment is longer than the configured limit");
                continue;
            }
            if (!b.skipping) {
                /* the hot loop: plain data up to the next service character */
                const unsigned char *stop = (size_t)(end - p) < max_len - b.data_len ? end : p + (max_len - b.data_len);
                const unsigned char *run = p;
                unsigned char *o = data + b.data_len;
                while (p < stop && !cls[*p])
                    *o++ = *p++;
                if (p != run) {
                    b.data_len += (uint32_t)(p - run);
                    after_separator = false;
                }
                if (p == end)
                    break;
                if (!cls[*p]) {              /* data, and no room left for it */
                    close_component(&b);
                    b.skipping = SKIP_SEGMENT;
                    set_issue(issue, 16, 0, 0, 0, "the segment is longer than the configured limit");
                }
            }
            c = *p++;
            switch (cls[c]) {
            case BYTE_DATA:                  /* only while skipping */
                after_separator = false;
                break;
            case BYTE_RELEASE:
                released = true;
                break;
            case BYTE_COMPONENT:
                after_separator = true;
                if (!b.skipping && !on_component_separator(r, &b, issue))
                    return -1;
                break;
            case BYTE_REPETITION:
                after_separator = true;
                if (b.skipping != SKIP_SEGMENT && !on_repetition_separator(r, &b, issue))
                    return -1;
                break;
            case BYTE_ELEMENT:
                after_separator = true;
                if (b.skipping != SKIP_SEGMENT && !on_element_separator(r, &b, issue))
                    return -1;
                break;
            case BYTE_TERMINATOR:
                terminated = true;
                break;
            }
            if (terminated)
                break;
        }
        r->buf_pos = (size_t)(p - r->buf);
    }

    if (b.skipping == SKIP_NONE)
        close_component(&b);
    close_repetition(&b);
    close_element(&b);
    if (released)
        set_issue(issue, 22, 0, 0, 0, "the release character is not followed by a character");
    seg->trailing_separator = after_separator;
    seg->elements = b.elems - 1;
    uint64_t raw = kh_edi_reader_offset(r) - seg->offset;
    seg->length = raw > UINT32_MAX ? UINT32_MAX : (uint32_t)raw;
    finish_tag(r, issue);
    return 1;
}

/* Whether a segment's tag is this three-letter tag. */
static inline bool tag_is(const kh_edi_segment *seg, const char tag[4])
{
    return memcmp(seg->tag, tag, 4) == 0;
}

int kh_edi_reader_next(kh_edi_reader *r, kh_edi_segment **seg, kh_edi_issue *issue)
{
    issue->code = 0;   /* the rest is only read when there is a code */

    /* line breaks between segments are tolerated and skipped */
    for (;;) {
        if (r->buf_pos == r->buf_len) {
            size_t avail = refill(r);
            if (avail == (size_t)-1)
                return -1;
            if (avail == 0)
                return 0;
        }
        unsigned char c = r->buf[r->buf_pos];
        if (c != '\r' && c != '\n')
            break;
        r->buf_pos++;
    }

    if (r->between_interchanges) {
        size_t avail = ensure_available(r, 4);
        if (avail == (size_t)-1)
            return -1;
        const unsigned char *p = r->buf + r->buf_pos;
        if (avail >= 3 && memcmp(p, "UNA", 3) == 0) {
            *seg = &r->seg;
            return read_service_string_advice(r, issue);
        }
        if (avail >= 3 && memcmp(p, "UNB", 3) == 0) {
            if (!r->had_una)
                use_default_separators(r, avail >= 4 && p[3] == 0x1D);
            r->between_interchanges = false;
        }
    }

    int rc = read_segment_in_place(r, issue);
    if (rc == 0)
        rc = read_segment(r, issue);
    if (rc != 1)
        return rc;
    if (tag_is(&r->seg, "UNZ")) {
        r->between_interchanges = true;
        r->had_una = false;
    }
    *seg = &r->seg;
    return 1;
}
