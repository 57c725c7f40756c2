/*
 * gen-cusdec.c - input generator for Khaalga's EDIFACT benchmark.
 *
 * Writes one UN/EDIFACT interchange (syntax version 3, UNOC, no UNA) of
 * about SIZE_MB mebibytes to standard output:
 *
 *     gen-cusdec SIZE_MB > cusdec.edi
 *
 * The interchange is UNB+UNOC:3+MN1234567:ZZZ+MNCUSTOMS:ZZZ+261123:1200+BENCH1'
 * followed by CUSDEC D96B messages (about 2.6 KB each) and UNZ. Every message
 * is valid against the D96B directory shipped in mappings/edifact/D96B:
 * segment order and groups follow messages/cusdec.xml (header, SG1 RFF, SG4
 * TDT, SG5 DOC, SG6 NAD parties, SG7 TOD, SG8 MOA/CUX, UNS+D, goods items in
 * SG30 (CST with FTX, LOC, MEA, SG31 PAC/PCI, SG33 MOA/CUX, SG35 RFF/DTM,
 * SG37 DOC, SG39 GDS, SG41 TAX/MOA), UNS+S, CNT, SG49 TAX/MOA, SG50 AUT/DTM),
 * data elements follow segments.xml (types, lengths, mandatory parts), and
 * every coded value is in codes.xml. Values vary from message to message
 * (a fixed-seed PRNG, so the output is reproducible), free text carries
 * release-escaped characters (?+ ?: ?' ??) and a few ISO 8859-1 letters.
 * UNT and UNZ counts are exact; there are no line breaks between segments.
 *
 * SIZE_MB is in MiB (1048576 bytes) and may be fractional; the output is at
 * most that size (but always holds one message) and within one message of it.
 * The message, segment and byte counts go to stderr. Memory use is constant:
 * each message is built in a fixed buffer and written out at once. The message
 * count must fit UNZ 0036 (n..6), which limits the output to about 2.4 GiB.
 *
 * Build: gcc -O2 -o gen-cusdec gen-cusdec.c   (the bench script does it)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 12
#define MAX_MESSAGES 999999ULL   /* UNZ 0036 is n..6 */

/* ------------------------------------------------------------ random */

static uint64_t rng_state = 0x4b6861616c676121ULL;   /* fixed seed */

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* uniform in [lo, hi] */
static uint64_t range(uint64_t lo, uint64_t hi)
{
    return lo + rnd() % (hi - lo + 1);
}

#define PICK(table) (table[rnd() % (sizeof table / sizeof table[0])])

/* ------------------------------------------------------------ message buffer */

static char msg[64 * 1024];
static size_t msg_len;
static unsigned msg_segments;

/* Appends one segment (printf format, no terminator) and its terminator. */
static void seg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void seg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg + msg_len, sizeof msg - msg_len - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof msg - msg_len - 1) {
        fprintf(stderr, "gen-cusdec: message buffer overflow\n");
        exit(2);
    }
    msg_len += (size_t)n;
    msg[msg_len++] = '\'';
    msg_segments++;
}

/* Free text with the EDIFACT release character applied to ? + : and '.
 * Returns one of a few rotating static buffers, so several calls can be
 * arguments of one seg() call. */
static const char *E(const char *s)
{
    static char bufs[8][160];
    static unsigned next;
    char *out = bufs[next++ % 8];
    size_t o = 0;
    for (; *s && o < sizeof bufs[0] - 3; s++) {
        if (*s == '?' || *s == '+' || *s == ':' || *s == '\'')
            out[o++] = '?';
        out[o++] = *s;
    }
    out[o] = '\0';
    return out;
}

/* An amount in hundredths as "1234.56" (rotating static buffers). */
static const char *A(uint64_t cents)
{
    static char bufs[8][32];
    static unsigned next;
    char *out = bufs[next++ % 8];
    snprintf(out, sizeof bufs[0], "%" PRIu64 ".%02u", cents / 100, (unsigned)(cents % 100));
    return out;
}

/* ------------------------------------------------------------ data tables */

struct party {
    const char *name;     /* 3036, an..35 */
    const char *street;   /* 3042, an..35 */
    const char *city;     /* 3164, an..35 */
    const char *postcode; /* 3251, an..9 */
    const char *country;  /* 3207 */
};

/* ISO 8859-1 letters are written as escapes: \xD6 is O with diaeresis. */
static const struct party importers[] = {
    {"TAVAN BOGD TRADE LLC", "CHINGGIS AVENUE 15/3", "ULAANBAATAR", "14240", "MN"},
    {"\xD6" "LZII IMPEX LLC", "PEACE AVENUE 61", "ULAANBAATAR", "13381", "MN"},
    {"NOMIN HOLDING LLC", "JUULCHIN STREET 3", "ULAANBAATAR", "15160", "MN"},
    {"ERDENET MINING SUPPLY LLC", "SUKHBAATAR SQUARE 2", "ERDENET", "61027", "MN"},
    {"DARKHAN STEEL + TRADE LLC", "INDUSTRIAL ZONE 4", "DARKHAN", "45047", "MN"},
    {"GOBI CASHMERE LLC", "INDUSTRIAL STREET 3", "ULAANBAATAR", "17062", "MN"},
    {"MONGOL AGRO-TECH LLC", "NARNII ROAD 22", "ULAANBAATAR", "14250", "MN"},
    {"ALTAN KHUNDAGA TRADING LLC", "BAGA TOIRUU 44", "ULAANBAATAR", "14200", "MN"},
};

static const struct party exporters[] = {
    {"ERENHOT HUAXIN TRADING CO LTD", "QIANJIN ROAD 88", "ERENHOT", "011100", "CN"},
    {"TIANJIN BOHAI MACHINERY CO", "HAIHE EAST ROAD 1200", "TIANJIN", "300000", "CN"},
    {"O'REILLY MACHINERY GMBH", "LEOPOLDSTRASSE 120", "M\xDC" "NCHEN", "80802", "DE"},
    {"SIBTORG EXPORT OOO", "KARL MARX STREET 14", "IRKUTSK", "664003", "RU"},
    {"HANBIT+PARTNERS CO LTD", "TEHERAN-RO 152", "SEOUL", "06236", "KR"},
    {"TOKYO BOEKI K.K.", "MARUNOUCHI 2-7-3", "TOKYO", "1000005", "JP"},
    {"KOMATSU PARTS: ASIA PTE", "JURONG PORT ROAD 9", "SINGAPORE", "619111", "SG"},
    {"ZHEJIANG YIWU GOODS CO", "FUTIAN ROAD 1", "YIWU", "322000", "CN"},
};

static const struct party declarants[] = {
    {"MONGOL CUSTOMS BROKER LLC", "PEACE AVENUE 17", "ULAANBAATAR", "14200", "MN"},
    {"ZAMYN-UUD LOGISTICS LLC", "STATION STREET 1", "ZAMYN-UUD", "44000", "MN"},
    {"TUMEN CARGO SERVICES LLC", "AIRPORT ROAD 5", "ULAANBAATAR", "17120", "MN"},
};

static const char *const contacts[] = {
    "BAT-ERDENE G.", "OYUNCHIMEG D.", "TSETSEG B.", "GANBOLD S.", "NARANTUYA E.",
    "MUNKHBAT O.",
};

struct office {
    const char *code;     /* 3225, an..25 */
    const char *name;     /* 3224, an..70 */
};

static const struct office offices[] = {
    {"1001", "ZAMYN-UUD RAILWAY CUSTOMS HOUSE"},
    {"1002", "ZAMYN-UUD ROAD CUSTOMS HOUSE"},
    {"2101", "ULAANBAATAR AIRPORT CUSTOMS HOUSE"},
    {"2201", "ULAANBAATAR RAILWAY CUSTOMS HOUSE"},
    {"3101", "ALTANBULAG CUSTOMS HOUSE"},
    {"4101", "GASHUUNSUKHAIT CUSTOMS HOUSE"},
};

struct goods {
    const char *hs;       /* 7361, an..18 */
    const char *text1;    /* 4440, an..70 */
    const char *text2;
    const char *package;  /* 7065 */
    unsigned min_kg, max_kg;          /* gross weight per package */
    unsigned min_price, max_price;    /* USD per package */
};

static const struct goods goods[] = {
    {"8471300000", "PORTABLE COMPUTERS 14 INCH, 16GB RAM", "MODEL LX-14 SERIES", "CT", 3, 9, 450, 1400},
    {"8517130000", "SMARTPHONES 6.1 INCH, 128GB", "INCL. CHARGER + CABLE", "CT", 1, 4, 180, 900},
    {"8544492000", "CABLE 3+2 CORES, 2.5MM2, PVC", "DRUMS OF 500 M", "DR", 180, 420, 300, 1500},
    {"4011200000", "NEW PNEUMATIC TYRES 315/80 R22.5", "FOR TRUCKS, TUBELESS", "PK", 60, 65, 180, 320},
    {"8708409900", "GEARBOX PARTS, RATIO 1:4.3", "FOR HEAVY DUTY TRUCKS", "CS", 20, 140, 200, 2600},
    {"0402211800", "MILK POWDER 26% FAT", "25 KG BAGS", "BG", 25, 26, 70, 95},
    {"1905909000", "BISCUITS AND WAFERS, ASSORTED", "SHELF LIFE 12 MONTHS", "CT", 5, 12, 15, 60},
    {"2203000900", "BEER IN CANS 0.5 L, 4.8% ALC.", "24 CANS PER CARTON", "CT", 13, 13, 18, 30},
    {"6110111000", "JERSEYS OF CASHMERE, MEN'S", "SIZES S-XXL, ASSORTED COLOURS", "BX", 4, 10, 300, 1200},
    {"8429520000", "HYDRAULIC EXCAVATOR, 360 DEG", "SERIAL NO. SEE PACKING LIST", "NE", 21000, 23500, 85000, 160000},
    {"7308909800", "STEEL STRUCTURES FOR BUILDINGS", "PREFABRICATED, BOLTED", "BE", 800, 2500, 900, 4200},
    {"3004909200", "MEDICAMENTS IN MEASURED DOSES", "LICENCE NO. ON REQUEST? SEE DOC", "CT", 2, 8, 100, 2000},
    {"8703231990", "PASSENGER CAR 1998 CC, PETROL", "VIN IN ATTACHED LIST", "NE", 1300, 1600, 9000, 28000},
    {"9403600000", "WOODEN FURNITURE: TABLES, CHAIRS", "KNOCKED DOWN", "CT", 15, 60, 40, 400},
    {"3917230000", "TUBES OF PVC, 110MM 'SN4'", "LENGTH 6 M", "BE", 90, 300, 60, 500},
    {"8418102000", "REFRIGERATORS-FREEZERS, 340 L", "ENERGY CLASS A+", "CT", 60, 75, 250, 600},
};

static const char *const header_texts[] = {
    "GOODS TO BE CLEARED AT DESTINATION: ALL DOCUMENTS ATTACHED",
    "PARTIAL SHIPMENT 2/3 OF CONTRACT NO. 26-114",
    "INSPECTION REQUESTED AT CONSIGNEE'S WAREHOUSE",
    "PRICES CIF+INSURANCE AS PER INVOICE? SEE NOTE",
    "TRANSIT VIA ERENHOT, SEALS INTACT",
    "DECLARATION LODGED BY BROKER ON BEHALF OF IMPORTER",
};

static const char *const incoterms[] = {"FCA", "CPT", "CIP", "DAP", "EXW", "FOB", "CIF"};
static const char *const currencies[] = {"USD", "USD", "USD", "CNY", "EUR", "RUB", "KRW", "JPY"};

/* MNT per unit of currency, in ten-thousandths */
static uint64_t rate_of(const char *cur)
{
    if (!strcmp(cur, "USD")) return 34521500;
    if (!strcmp(cur, "CNY")) return 4750200;
    if (!strcmp(cur, "EUR")) return 37105300;
    if (!strcmp(cur, "RUB")) return 371800;
    if (!strcmp(cur, "KRW")) return 24900;
    return 228500;   /* JPY */
}

/* ------------------------------------------------------------ one message */

struct item {
    const struct goods *g;
    const struct party *exporter;
    unsigned packages;
    uint64_t gross_g, net_g;          /* grams */
    uint64_t amount;                  /* cents of the invoice currency */
    uint64_t value_mnt, duty, vat;    /* cents of MNT */
};

/* date of day d (1..23) of November 2026 as CCYYMMDD */
static const char *day(unsigned d)
{
    static char bufs[4][16];
    static unsigned next;
    char *out = bufs[next++ % 4];
    snprintf(out, sizeof bufs[0], "202611%02u", d);
    return out;
}

static const char *kg(uint64_t grams)
{
    static char bufs[8][32];
    static unsigned next;
    char *out = bufs[next++ % 8];
    snprintf(out, sizeof bufs[0], "%" PRIu64 ".%03u", grams / 1000, (unsigned)(grams % 1000));
    return out;
}

static void message(uint64_t n)
{
    struct item items[MAX_ITEMS];
    unsigned nitems = (unsigned)range(2, 5);
    const struct party *imp = &PICK(importers);
    const struct party *dec = &PICK(declarants);
    const struct office *office = &PICK(offices);
    const char *cur = PICK(currencies);
    uint64_t rate = rate_of(cur);
    unsigned docday = (unsigned)range(10, 23), invday = (unsigned)range(1, 9);
    uint64_t total_amount = 0, total_value = 0, total_duty = 0, total_vat = 0;
    uint64_t total_gross = 0;
    unsigned total_packages = 0;

    for (unsigned i = 0; i < nitems; i++) {
        struct item *it = &items[i];
        it->g = &PICK(goods);
        it->exporter = &PICK(exporters);
        it->packages = (unsigned)range(1, it->g->max_kg > 5000 ? 3 : 250);
        it->gross_g = it->packages * range(it->g->min_kg * 1000ULL, it->g->max_kg * 1000ULL);
        it->net_g = it->gross_g - it->gross_g / range(12, 40);
        /* prices are in US cents, converted to the invoice currency */
        it->amount = it->packages * range(it->g->min_price * 100ULL, it->g->max_price * 100ULL) *
                     rate_of("USD") / rate;
        it->value_mnt = it->amount * rate / 10000;
        it->duty = it->value_mnt / 20;                       /* 5 % */
        it->vat = (it->value_mnt + it->duty) / 10;           /* 10 % */
        total_amount += it->amount;
        total_value += it->value_mnt;
        total_duty += it->duty;
        total_vat += it->vat;
        total_gross += it->gross_g;
        total_packages += it->packages;
    }

    msg_len = 0;
    msg_segments = 0;

    seg("UNH+%" PRIu64 "+CUSDEC:D:96B:UN", n);
    seg("BGM+929::6:GOODS DECLARATION+MN26IM%07" PRIu64 "+9", n);
    seg("LOC+22+%s:113:86:%s", office->code, E(office->name));
    seg("LOC+35+%s:162:5", items[0].exporter->country);
    seg("DTM+137:202611%02u%02u%02u:203", docday, (unsigned)range(8, 18), (unsigned)range(0, 59));
    seg("DTM+3:%s:102", day(invday));
    seg("GIS+23");
    seg("MEA+WT+AAD+KGM:%s", kg(total_gross));
    seg("FTX+AAI+++%s", E(PICK(header_texts)));
    /* SG1 */
    seg("RFF+ABE:DECL/%" PRIu64 "/%02u", 100000 + n * 7, docday);
    seg("DTM+171:%s:102", day(docday));
    seg("RFF+ON:PO-%05u-%c", (unsigned)range(1, 99999), (int)('A' + range(0, 25)));
    /* SG4 */
    seg("TDT+11++3+31++++%04u%c%c%c::::MN", (unsigned)range(1000, 9999),
        (int)('A' + range(0, 25)), (int)('A' + range(0, 25)), (int)('A' + range(0, 25)));
    /* SG5 */
    seg("DOC+380+INV-%06" PRIu64, n % 1000000);
    seg("DTM+3:%s:102", day(invday));
    seg("DOC+730+CMR%08u", (unsigned)range(10000000, 99999999));
    seg("DTM+11:%s:102", day(invday + 1));
    /* SG6: declarant, importer, exporter, consignee */
    seg("NAD+DT+%07u:160:86++%s+%s+%s++%s+%s", (unsigned)range(1000000, 9999999),
        E(dec->name), E(dec->street), E(dec->city), dec->postcode, dec->country);
    seg("CTA+IC+:%s", E(PICK(contacts)));
    seg("COM+976%08u:TE", (unsigned)range(88000000, 99999999));
    seg("COM+declarations%u@broker.mn:EM", (unsigned)range(1, 9));
    seg("NAD+IM+%07u:160:86++%s+%s+%s++%s+%s", (unsigned)range(1000000, 9999999),
        E(imp->name), E(imp->street), E(imp->city), imp->postcode, imp->country);
    seg("RFF+AMT:MN%07u", (unsigned)range(1000000, 9999999));
    seg("NAD+EX+++%s+%s+%s++%s+%s", E(items[0].exporter->name), E(items[0].exporter->street),
        E(items[0].exporter->city), items[0].exporter->postcode, items[0].exporter->country);
    seg("NAD+CN+++%s+%s+%s++%s+%s", E(imp->name), E(imp->street), E(imp->city), imp->postcode,
        imp->country);
    /* SG7 */
    seg("TOD+6++%s:::%s", PICK(incoterms), E(items[0].exporter->city));
    seg("LOC+1+%s:::%s", items[0].exporter->country, E(items[0].exporter->city));
    /* SG8 */
    seg("MOA+39:%s:%s", A(total_amount), cur);
    seg("CUX+2:%s:4+3:MNT:1+%" PRIu64 ".%04u", cur, rate / 10000, (unsigned)(rate % 10000));
    seg("MOA+40:%s:MNT", A(total_value));
    seg("UNS+D");

    /* SG30 goods items */
    for (unsigned i = 0; i < nitems; i++) {
        const struct item *it = &items[i];
        seg("CST+%u+%s:169:1+40000:117:86", i + 1, it->g->hs);
        seg("FTX+AAA+++%s:%s", E(it->g->text1), E(it->g->text2));
        seg("LOC+27+%s:162:5", it->exporter->country);
        seg("MEA+WT+AAD+KGM:%s", kg(it->gross_g));
        seg("MEA+WT+AAL+KGM:%s", kg(it->net_g));
        seg("PAC+%u++%s", it->packages, it->g->package);
        seg("PCI+28+%s", E(it->exporter->name));
        seg("MOA+38:%s:%s", A(it->amount), cur);
        seg("CUX+2:%s:4", cur);
        seg("MOA+40:%s:MNT", A(it->value_mnt));
        seg("RFF+AFD:%" PRIu64 "-%u", n, i + 1);
        seg("DTM+171:%s:102", day(docday));
        seg("DOC+861+CO%02u%06u", i + 1, (unsigned)range(0, 999999));
        seg("DTM+137:%s:102", day(invday));
        seg("GDS+%s", it->g->max_kg > 5000 ? "6" : "12");
        seg("TAX+1+CUD+++:::5+S");
        seg("MOA+55:%s:MNT", A(it->duty));
        seg("TAX+1+VAT+++:::10+S");
        seg("MOA+55:%s:MNT", A(it->vat));
    }

    seg("UNS+S");
    seg("CNT+5:%u", nitems);
    seg("CNT+11:%u", total_packages);
    seg("TAX+3+CUD");
    seg("MOA+55:%s:MNT", A(total_duty));
    seg("TAX+3+VAT");
    seg("MOA+55:%s:MNT", A(total_vat));
    seg("AUT+%016" PRIx64 "%016" PRIx64 "+KEY2026", rnd(), rnd());
    seg("DTM+137:%s:102", day(docday));
    seg("UNT+%u+%" PRIu64, msg_segments + 1, n);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    static const char unb[] = "UNB+UNOC:3+MN1234567:ZZZ+MNCUSTOMS:ZZZ+261123:1200+BENCH1'";
    char *end = NULL;
    double mb;

    if (argc != 2 || (errno = 0, mb = strtod(argv[1], &end), errno) || end == argv[1] ||
        *end || !(mb > 0)) {
        fprintf(stderr, "usage: gen-cusdec SIZE_MB > file.edi   (SIZE_MB in MiB, > 0)\n");
        return 2;
    }
    uint64_t target = (uint64_t)(mb * 1048576.0);
    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    uint64_t written = 0, n = 0, segments = 1;
    char unz[64];
    fputs(unb, stdout);
    written += sizeof unb - 1;
    for (;;) {
        message(n + 1);
        /* room for this message and the longest possible UNZ */
        if (n > 0 && written + msg_len + 20 > target)
            break;
        if (n + 1 > MAX_MESSAGES) {
            fprintf(stderr, "gen-cusdec: more than %llu messages needed; "
                    "UNZ 0036 cannot count them (use a smaller size)\n", MAX_MESSAGES);
            return 2;
        }
        if (fwrite(msg, 1, msg_len, stdout) != msg_len)
            break;
        written += msg_len;
        segments += msg_segments;
        n++;
    }
    int len = snprintf(unz, sizeof unz, "UNZ+%" PRIu64 "+BENCH1'", n);
    fwrite(unz, 1, (size_t)len, stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "gen-cusdec: write error: %s\n", strerror(errno));
        return 1;
    }
    fprintf(stderr, "gen-cusdec: %" PRIu64 " messages, %" PRIu64 " segments, %" PRIu64
            " bytes\n", n, segments + 1, written + (uint64_t)len);
    return 0;
}
