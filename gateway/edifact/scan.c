/*
 * scan.c - the structural scanner: where the terminator, the separators and
 * the release character are, 64 bytes at a time, one bitmask per character.
 *
 * Each version compares the bytes with the five characters. The portable
 * one works on 8 bytes at a time in plain 64-bit arithmetic; on x86-64 the
 * SSE2 one (every x86-64 has SSE2) compares 16 bytes at a time, AVX2 32 and
 * AVX-512 64, chosen at run time with __builtin_cpu_supports. Elsewhere
 * only the portable one is built.
 */
#include "edifact/scan.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_X86_SCANNERS 1
#include <immintrin.h>
#endif

/* ------------------------------------------------------------ portable */

/* Eight bytes as a number, p[0] in the low byte, whatever the byte order. */
static inline uint64_t load_little_endian_64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* One bit per byte of x that equals c (c_repeated holds c in every byte):
 * byte k gives bit k. The high bit of each equal byte is found exactly (no
 * carry crosses a byte), then the eight high bits are gathered by a
 * multiplication that puts each in the top byte at its own place. */
static inline uint64_t bits_where_equal(uint64_t x, uint64_t c_repeated)
{
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7FULL;
    uint64_t t = x ^ c_repeated;                         /* zero bytes where equal */
    uint64_t high = ~(((t & low7) + low7) | t | low7);
    return ((high >> 7) * 0x0102040810204080ULL) >> 56;
}

static void scan_portable(const unsigned char *p, size_t blocks, const kh_edi_scan_chars *chars,
                          kh_edi_scan_masks *masks)
{
    const uint64_t ones = 0x0101010101010101ULL;
    const uint64_t terminator = chars->terminator * ones, element = chars->element * ones;
    const uint64_t component = chars->component * ones, repetition = chars->repetition * ones;
    const uint64_t release = chars->release * ones;
    for (size_t b = 0; b < blocks; b++, p += KH_EDI_SCAN_BLOCK) {
        kh_edi_scan_masks m = { 0, 0, 0, 0, 0 };
        for (unsigned i = 0; i < KH_EDI_SCAN_BLOCK / 8; i++) {
            uint64_t x = load_little_endian_64(p + 8 * i);
            unsigned shift = 8 * i;
            m.terminator |= bits_where_equal(x, terminator) << shift;
            m.element |= bits_where_equal(x, element) << shift;
            m.component |= bits_where_equal(x, component) << shift;
            m.repetition |= bits_where_equal(x, repetition) << shift;
            m.release |= bits_where_equal(x, release) << shift;
        }
        masks[b] = m;
    }
}

/* ------------------------------------------------------------ x86-64 */

#ifdef HAVE_X86_SCANNERS

static inline uint64_t sse2_mask(__m128i a, __m128i b, __m128i c, __m128i d, __m128i ch)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, ch)) |
           (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, ch)) << 16 |
           (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(c, ch)) << 32 |
           (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(d, ch)) << 48;
}

static void scan_sse2(const unsigned char *p, size_t blocks, const kh_edi_scan_chars *chars,
                      kh_edi_scan_masks *masks)
{
    const __m128i terminator = _mm_set1_epi8((char)chars->terminator);
    const __m128i element = _mm_set1_epi8((char)chars->element);
    const __m128i component = _mm_set1_epi8((char)chars->component);
    const __m128i repetition = _mm_set1_epi8((char)chars->repetition);
    const __m128i release = _mm_set1_epi8((char)chars->release);
    for (size_t b = 0; b < blocks; b++, p += KH_EDI_SCAN_BLOCK) {
        __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
        __m128i v3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
        masks[b].terminator = sse2_mask(v0, v1, v2, v3, terminator);
        masks[b].element = sse2_mask(v0, v1, v2, v3, element);
        masks[b].component = sse2_mask(v0, v1, v2, v3, component);
        masks[b].repetition = sse2_mask(v0, v1, v2, v3, repetition);
        masks[b].release = sse2_mask(v0, v1, v2, v3, release);
    }
}

__attribute__((target("avx2")))
static inline uint64_t avx2_mask(__m256i low, __m256i high, __m256i ch)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, ch)) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, ch)) << 32;
}

__attribute__((target("avx2")))
static void scan_avx2(const unsigned char *p, size_t blocks, const kh_edi_scan_chars *chars,
                      kh_edi_scan_masks *masks)
{
    const __m256i terminator = _mm256_set1_epi8((char)chars->terminator);
    const __m256i element = _mm256_set1_epi8((char)chars->element);
    const __m256i component = _mm256_set1_epi8((char)chars->component);
    const __m256i repetition = _mm256_set1_epi8((char)chars->repetition);
    const __m256i release = _mm256_set1_epi8((char)chars->release);
    for (size_t b = 0; b < blocks; b++, p += KH_EDI_SCAN_BLOCK) {
        __m256i low = _mm256_loadu_si256((const __m256i *)(const void *)p);
        __m256i high = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
        masks[b].terminator = avx2_mask(low, high, terminator);
        masks[b].element = avx2_mask(low, high, element);
        masks[b].component = avx2_mask(low, high, component);
        masks[b].repetition = avx2_mask(low, high, repetition);
        masks[b].release = avx2_mask(low, high, release);
    }
}

__attribute__((target("avx512bw")))
static void scan_avx512(const unsigned char *p, size_t blocks, const kh_edi_scan_chars *chars,
                        kh_edi_scan_masks *masks)
{
    const __m512i terminator = _mm512_set1_epi8((char)chars->terminator);
    const __m512i element = _mm512_set1_epi8((char)chars->element);
    const __m512i component = _mm512_set1_epi8((char)chars->component);
    const __m512i repetition = _mm512_set1_epi8((char)chars->repetition);
    const __m512i release = _mm512_set1_epi8((char)chars->release);
    for (size_t b = 0; b < blocks; b++, p += KH_EDI_SCAN_BLOCK) {
        __m512i v = _mm512_loadu_si512((const void *)p);
        masks[b].terminator = _mm512_cmpeq_epi8_mask(v, terminator);
        masks[b].element = _mm512_cmpeq_epi8_mask(v, element);
        masks[b].component = _mm512_cmpeq_epi8_mask(v, component);
        masks[b].repetition = _mm512_cmpeq_epi8_mask(v, repetition);
        masks[b].release = _mm512_cmpeq_epi8_mask(v, release);
    }
}

#endif /* HAVE_X86_SCANNERS */

/* ------------------------------------------------------------ choice */

bool kh_edi_scan_supported(kh_edi_scan_kind kind)
{
    switch (kind) {
    case KH_EDI_SCAN_BEST:
    case KH_EDI_SCAN_PORTABLE:
        return true;
#ifdef HAVE_X86_SCANNERS
    case KH_EDI_SCAN_SSE2:
        return true;
    case KH_EDI_SCAN_AVX2:
        return __builtin_cpu_supports("avx2");
    case KH_EDI_SCAN_AVX512:
        return __builtin_cpu_supports("avx512bw");
#else
    case KH_EDI_SCAN_SSE2:
    case KH_EDI_SCAN_AVX2:
    case KH_EDI_SCAN_AVX512:
        return false;
#endif
    }
    return false;
}

kh_edi_scan_kind kh_edi_scan_best(void)
{
    if (kh_edi_scan_supported(KH_EDI_SCAN_AVX512))
        return KH_EDI_SCAN_AVX512;
    if (kh_edi_scan_supported(KH_EDI_SCAN_AVX2))
        return KH_EDI_SCAN_AVX2;
    if (kh_edi_scan_supported(KH_EDI_SCAN_SSE2))
        return KH_EDI_SCAN_SSE2;
    return KH_EDI_SCAN_PORTABLE;
}

kh_edi_scan_fn kh_edi_scan_function(kh_edi_scan_kind kind)
{
    if (kind == KH_EDI_SCAN_BEST)
        kind = kh_edi_scan_best();
    if (!kh_edi_scan_supported(kind))
        return NULL;
    switch (kind) {
#ifdef HAVE_X86_SCANNERS
    case KH_EDI_SCAN_SSE2:
        return scan_sse2;
    case KH_EDI_SCAN_AVX2:
        return scan_avx2;
    case KH_EDI_SCAN_AVX512:
        return scan_avx512;
#endif
    default:
        return scan_portable;
    }
}

const char *kh_edi_scan_name(kh_edi_scan_kind kind)
{
    switch (kind) {
    case KH_EDI_SCAN_BEST:     return kh_edi_scan_name(kh_edi_scan_best());
    case KH_EDI_SCAN_PORTABLE: return "portable";
    case KH_EDI_SCAN_SSE2:     return "sse2";
    case KH_EDI_SCAN_AVX2:     return "avx2";
    case KH_EDI_SCAN_AVX512:   return "avx512";
    }
    return "?";
}
