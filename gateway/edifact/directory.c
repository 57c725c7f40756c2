/*
 * directory.c - loads UN/EDIFACT directory data (segments.xml, codes.xml,
 * messages/NAME.xml) into read-only structures, on first use, under a lock.
 *
 * Everything a directory owns lives in one arena, freed at once.
 */
#include "edifact/directory.h"
#include "util/datadir.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* ------------------------------------------------------------ arena */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    unsigned char data[];
} arena_block;

typedef struct arena { arena_block *head; } arena;

static void *arena_alloc(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->size - a->head->used < n) {
        size_t size = n > 60000 ? n : 60000;
        arena_block *b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->size = size;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

/* A directory name as an XML-safe identifier: letters and digits only;
 * anything else makes it empty (names are informative). */
static const char *identifier_or_empty(const char *name)
{
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p))
            return "";
    return name;
}

static const char *arena_strdup(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ------------------------------------------------------------ types */

typedef struct message_entry {
    struct message_entry *next;
    kh_dir_message *message;      /* NULL: looked for and not found */
    char type[7];
} message_entry;

struct kh_directory {
    kh_dir_set     *set;
    char            name[32];
    arena           mem;
    uint32_t        segments;
    kh_dir_segment *segment;      /* sorted by tag */
    message_entry  *messages;
    kh_directory   *next;
};

struct kh_dir_set {
    char           *root;
    pthread_mutex_t lock;
    kh_directory   *loaded;
    char          **checked_codes;  /* data element ids whose code lists are checked */
    size_t          checked_count;
    char            error[256];
};

/* ------------------------------------------------------------ helpers */

static xmlDocPtr read_xml(kh_dir_set *set, const char *path)
{
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        snprintf(set->error, sizeof set->error, "%s: cannot be read as XML", path);
    return doc;
}

static const char *attr(xmlNodePtr node, const char *name, char *buf, size_t buflen)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v)
        return NULL;
    snprintf(buf, buflen, "%s", (const char *)v);
    xmlFree(v);
    return buf;
}

static bool is_element(xmlNodePtr node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0;
}

static int compare_segments(const void *a, const void *b)
{
    return strcmp(((const kh_dir_segment *)a)->tag, ((const kh_dir_segment *)b)->tag);
}

static bool code_list_checked(const kh_dir_set *set, const char *id)
{
    for (size_t i = 0; i < set->checked_count; i++)
        if (strcmp(set->checked_codes[i], id) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ the set */

const char *kh_dir_default_root(const char *given, char *buf, size_t buflen)
{
    return kh_data_path(given, "mappings/edifact", buf, buflen);
}

static void read_checked_codes(kh_dir_set *set)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/checked-codes", set->root);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || *p == '\0')
            continue;
        char *end = p;
        while (*end && !isspace((unsigned char)*end) && *end != '#')
            end++;
        *end = '\0';
        char **grown = realloc(set->checked_codes, (set->checked_count + 1) * sizeof *grown);
        if (!grown)
            break;
        set->checked_codes = grown;
        set->checked_codes[set->checked_count] = strdup(p);
        if (set->checked_codes[set->checked_count])
            set->checked_count++;
    }
    fclose(f);
}

kh_dir_set *kh_dir_set_open(const char *root)
{
    struct stat st;
    if (stat(root, &st) != 0)
        return NULL;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return NULL;
    }
    kh_dir_set *set = calloc(1, sizeof *set);
    if (!set)
        return NULL;
    set->root = strdup(root);
    pthread_mutexattr_t recursive;   /* loading a message may load the service directory */
    pthread_mutexattr_init(&recursive);
    pthread_mutexattr_settype(&recursive, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&set->lock, &recursive);
    pthread_mutexattr_destroy(&recursive);
    read_checked_codes(set);
    return set;
}

void kh_dir_set_free(kh_dir_set *set)
{
    if (!set)
        return;
    while (set->loaded) {
        kh_directory *next = set->loaded->next;
        arena_free(&set->loaded->mem);
        for (message_entry *m = set->loaded->messages; m;) {
            message_entry *n = m->next;
            free(m);
            m = n;
        }
        free(set->loaded);
        set->loaded = next;
    }
    for (size_t i = 0; i < set->checked_count; i++)
        free(set->checked_codes[i]);
    free(set->checked_codes);
    pthread_mutex_destroy(&set->lock);
    free(set->root);
    free(set);
}

const char *kh_dir_set_root(const kh_dir_set *set) { return set->root; }
const char *kh_dir_set_error(const kh_dir_set *set) { return set->error; }
const char *kh_dir_name(const kh_directory *dir) { return dir->name; }

/* ------------------------------------------------------------ codes */

/* Code lists of the checked data elements, from codes.xml. */
typedef struct code_lists {
    char          id[5];
    kh_dir_codes *codes;
} code_lists;

static uint32_t hash_code(const char *code, size_t len)
{
    uint32_t h = 2166136261u;          /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)code[i]) * 16777619u;
    return h;
}

static kh_dir_codes *load_code_list(arena *a, xmlNodePtr list)
{
    uint32_t n = 0;
    for (xmlNodePtr c = list->children; c; c = c->next)
        if (is_element(c, "code"))
            n++;
    kh_dir_codes *codes = arena_alloc(a, sizeof *codes);
    if (!codes || n == 0)
        return NULL;
    uint32_t slots = 16;
    while (slots < 2 * n)
        slots *= 2;
    codes->mask = slots - 1;
    codes->code = arena_alloc(a, n * sizeof *codes->code);
    codes->slot = arena_alloc(a, slots * sizeof *codes->slot);
    if (!codes->code || !codes->slot)
        return NULL;
    char buf[64];
    for (xmlNodePtr c = list->children; c; c = c->next) {
        if (!is_element(c, "code") || !attr(c, "id", buf, sizeof buf) || kh_dir_code_known(codes, buf, strlen(buf)))
            continue;
        uint32_t i = hash_code(buf, strlen(buf)) & codes->mask;
        while (codes->slot[i])
            i = (i + 1) & codes->mask;
        codes->code[codes->count] = arena_strdup(a, buf);
        codes->slot[i] = ++codes->count;
    }
    return codes;
}

static code_lists *load_checked_code_lists(kh_directory *dir, size_t *count)
{
    kh_dir_set *set = dir->set;
    *count = 0;
    if (set->checked_count == 0)
        return NULL;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/codes.xml", set->root, dir->name);
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    xmlDocPtr doc = read_xml(set, path);
    if (!doc)
        return NULL;
    code_lists *lists = calloc(set->checked_count, sizeof *lists);
    char id[16];
    for (xmlNodePtr e = xmlDocGetRootElement(doc)->children; lists && e; e = e->next) {
        if (!is_element(e, "data_element") || !attr(e, "id", id, sizeof id) || !code_list_checked(set, id))
            continue;
        kh_dir_codes *codes = load_code_list(&dir->mem, e);
        if (codes && *count < set->checked_count) {
            snprintf(lists[*count].id, sizeof lists[*count].id, "%s", id);
            lists[(*count)++].codes = codes;
        }
    }
    xmlFreeDoc(doc);
    return lists;
}

static const kh_dir_codes *find_code_list(const code_lists *lists, size_t count, const char *id)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(lists[i].id, id) == 0)
            return lists[i].codes;
    return NULL;
}

bool kh_dir_code_known(const kh_dir_codes *codes, const char *code, size_t len)
{
    if (!codes)
        return true;
    for (uint32_t i = hash_code(code, len) & codes->mask; codes->slot[i]; i = (i + 1) & codes->mask) {
        const char *known = codes->code[codes->slot[i] - 1];
        if (strncmp(known, code, len) == 0 && known[len] == '\0')
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ segments */

static void read_data_element(arena *a, xmlNodePtr node, kh_dir_data_element *de,
                              const code_lists *lists, size_t nlists)
{
    char buf[256];
    attr(node, "id", de->id, sizeof de->id);
    de->name = arena_strdup(a, attr(node, "name", buf, sizeof buf) ? identifier_or_empty(buf) : "");
    de->required = attr(node, "required", buf, sizeof buf) && strcmp(buf, "true") == 0;
    const char *type = attr(node, "type", buf, sizeof buf);
    de->type = !type ? KH_TYPE_ALPHANUMERIC
             : strcmp(type, "a") == 0 ? KH_TYPE_ALPHABETIC
             : strcmp(type, "n") == 0 ? KH_TYPE_NUMERIC
             : KH_TYPE_ALPHANUMERIC;
    if (attr(node, "length", buf, sizeof buf)) {
        de->max_length = de->min_length = (uint16_t)atoi(buf);
    } else {
        de->min_length = 0;
        de->max_length = attr(node, "maxlength", buf, sizeof buf) ? (uint16_t)atoi(buf) : 0;
    }
    de->codes = find_code_list(lists, nlists, de->id);
}

static bool read_segment(arena *a, xmlNodePtr node, kh_dir_segment *seg,
                         const code_lists *lists, size_t nlists)
{
    char buf[256];
    attr(node, "id", seg->tag, sizeof seg->tag);
    seg->name = arena_strdup(a, attr(node, "name", buf, sizeof buf) ? identifier_or_empty(buf) : "");
    for (xmlNodePtr c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            seg->elements++;
    seg->element = arena_alloc(a, (seg->elements ? seg->elements : 1) * sizeof *seg->element);
    if (!seg->element)
        return false;
    uint16_t i = 0;
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        kh_dir_element *el = &seg->element[i++];
        if (is_element(c, "composite_data_element")) {
            el->composite = true;
            attr(c, "id", el->id, sizeof el->id);
            el->name = arena_strdup(a, attr(c, "name", buf, sizeof buf) ? identifier_or_empty(buf) : "");
            el->required = attr(c, "required", buf, sizeof buf) && strcmp(buf, "true") == 0;
            for (xmlNodePtr d = c->children; d; d = d->next)
                if (is_element(d, "data_element"))
                    el->components++;
            el->component = arena_alloc(a, (el->components ? el->components : 1) * sizeof *el->component);
            if (!el->component)
                return false;
            uint16_t j = 0;
            for (xmlNodePtr d = c->children; d; d = d->next)
                if (is_element(d, "data_element"))
                    read_data_element(a, d, &el->component[j++], lists, nlists);
        } else {
            read_data_element(a, c, &el->simple, lists, nlists);
            memcpy(el->id, el->simple.id, sizeof el->id);
            el->name = el->simple.name;
            el->required = el->simple.required;
        }
    }
    return true;
}

static kh_directory *load_directory(kh_dir_set *set, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/segments.xml", set->root, name);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(set->error, sizeof set->error, "no directory %s under %s", name, set->root);
        return NULL;
    }
    kh_directory *dir = calloc(1, sizeof *dir);
    if (!dir)
        return NULL;
    dir->set = set;
    snprintf(dir->name, sizeof dir->name, "%s", name);

    size_t nlists = 0;
    code_lists *lists = load_checked_code_lists(dir, &nlists);
    xmlDocPtr doc = read_xml(set, path);
    bool ok = doc != NULL;
    if (ok) {
        xmlNodePtr root = xmlDocGetRootElement(doc);
        for (xmlNodePtr s = root ? root->children : NULL; s; s = s->next)
            if (is_element(s, "segment"))
                dir->segments++;
        dir->segment = arena_alloc(&dir->mem, (dir->segments ? dir->segments : 1) * sizeof *dir->segment);
        ok = dir->segment != NULL;
        uint32_t i = 0;
        for (xmlNodePtr s = root ? root->children : NULL; ok && s; s = s->next)
            if (is_element(s, "segment"))
                ok = read_segment(&dir->mem, s, &dir->segment[i++], lists, nlists);
        if (ok)
            qsort(dir->segment, dir->segments, sizeof *dir->segment, compare_segments);
        xmlFreeDoc(doc);
    }
    free(lists);
    if (!ok) {
        arena_free(&dir->mem);
        free(dir);
        return NULL;
    }
    return dir;
}

/* Names that become file names: letters, digits and (when allowed) '_',
 * so that nothing read from an interchange can point outside the data. */
static bool is_plain_name(const char *name, bool underscore)
{
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !(underscore && *p == '_'))
            return false;
    return true;
}

kh_directory *kh_dir_get(kh_dir_set *set, const char *name)
{
    if (!is_plain_name(name, true)) {
        snprintf(set->error, sizeof set->error, "no directory named \"%s\"", name);
        return NULL;
    }
    pthread_mutex_lock(&set->lock);
    kh_directory *dir;
    for (dir = set->loaded; dir; dir = dir->next)
        if (strcmp(dir->name, name) == 0)
            break;
    if (!dir) {
        dir = load_directory(set, name);
        if (dir) {
            dir->next = set->loaded;
            set->loaded = dir;
        }
    }
    pthread_mutex_unlock(&set->lock);
    return dir;
}

kh_directory *kh_dir_service(kh_dir_set *set, int version)
{
    return kh_dir_get(set, version >= 4 ? "Service_V4" : "Service_V3");
}

const kh_dir_segment *kh_dir_find_segment(const kh_directory *dir, const char *tag)
{
    kh_dir_segment key;
    memset(&key, 0, sizeof key);
    snprintf(key.tag, sizeof key.tag, "%s", tag);
    return bsearch(&key, dir->segment, dir->segments, sizeof *dir->segment, compare_segments);
}

/* ------------------------------------------------------------ messages */

static bool read_nodes(kh_directory *dir, xmlNodePtr parent, kh_dir_node *group)
{
    char buf[64];
    for (xmlNodePtr c = parent->children; c; c = c->next)
        if (is_element(c, "segment") || is_element(c, "group"))
            group->children++;
    group->child = arena_alloc(&dir->mem, (group->children ? group->children : 1) * sizeof *group->child);
    if (!group->child)
        return false;
    uint16_t i = 0;
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (!is_element(c, "segment") && !is_element(c, "group"))
            continue;
        kh_dir_node *node = &group->child[i++];
        node->group = is_element(c, "group");
        attr(c, "id", node->id, sizeof node->id);
        node->max_repeat = attr(c, "maxrepeat", buf, sizeof buf) ? (uint32_t)strtoul(buf, NULL, 10) : 1;
        if (node->max_repeat == 0)
            node->max_repeat = 1;
        node->required = attr(c, "required", buf, sizeof buf) && strcmp(buf, "true") == 0;
        if (node->group) {
            if (!read_nodes(dir, c, node))
                return false;
            /* a group is mandatory when the message says so; its trigger always is */
            if (node->children > 0)
                node->child[0].required = true;
        } else {
            node->segment = kh_dir_find_segment(dir, node->id);
        }
    }
    return true;
}

/* The tag that starts each node: a segment's own, a group's first segment's. */
static void set_triggers(kh_dir_node *node)
{
    for (uint16_t i = 0; i < node->children; i++)
        set_triggers(&node->child[i]);
    const kh_dir_node *first = node;
    while (first->group && first->children > 0)
        first = &first->child[0];
    if (!first->group)
        memcpy(node->trigger, first->id, sizeof node->trigger - 1);
}

/* Service segments (UNH, UNT, UCI…) come from the service directory when
 * the message directory lacks them. */
static void resolve_service_segments(kh_directory *dir, kh_dir_node *group)
{
    for (uint16_t i = 0; i < group->children; i++) {
        kh_dir_node *n = &group->child[i];
        if (n->group)
            resolve_service_segments(dir, n);
        else if (!n->segment && n->id[0] == 'U') {
            kh_directory *service = kh_dir_get(dir->set, "Service_V4");
            if (service && service != dir)
                n->segment = kh_dir_find_segment(service, n->id);
        }
    }
}

/* <defaults><data_element id="0052" value="D"/>… */
static void read_message_defaults(xmlNodePtr root, kh_dir_message *msg)
{
    char id[8], value[8];
    for (xmlNodePtr d = root->children; d; d = d->next) {
        if (!is_element(d, "defaults"))
            continue;
        for (xmlNodePtr e = d->children; e; e = e->next) {
            if (!is_element(e, "data_element") || !attr(e, "id", id, sizeof id) || !attr(e, "value", value, sizeof value))
                continue;
            if (strcmp(id, "0052") == 0)
                snprintf(msg->version, sizeof msg->version, "%s", value);
            else if (strcmp(id, "0054") == 0)
                snprintf(msg->release, sizeof msg->release, "%s", value);
            else if (strcmp(id, "0051") == 0)
                snprintf(msg->agency, sizeof msg->agency, "%s", value);
        }
    }
}

static kh_dir_message *load_message(kh_directory *dir, const char *type)
{
    kh_dir_set *set = dir->set;
    char lower[8], path[PATH_MAX];
    size_t n = 0;
    for (; type[n] && n < sizeof lower - 1; n++)
        lower[n] = (char)tolower((unsigned char)type[n]);
    lower[n] = '\0';
    snprintf(path, sizeof path, "%s/%s/messages/%s.xml", set->root, dir->name, lower);
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    xmlDocPtr doc = read_xml(set, path);
    if (!doc)
        return NULL;
    kh_dir_message *msg = arena_alloc(&dir->mem, sizeof *msg);
    if (msg) {
        snprintf(msg->type, sizeof msg->type, "%s", type);
        msg->root.group = true;
        snprintf(msg->root.id, sizeof msg->root.id, "%s", "MSG");
        msg->root.max_repeat = 1;
        msg->root.required = true;
        read_message_defaults(xmlDocGetRootElement(doc), msg);
        if (read_nodes(dir, xmlDocGetRootElement(doc), &msg->root)) {
            resolve_service_segments(dir, &msg->root);
            set_triggers(&msg->root);
        }
        else
            msg = NULL;
    }
    xmlFreeDoc(doc);
    return msg;
}

const kh_dir_message *kh_dir_find_message(kh_directory *dir, const char *type)
{
    kh_dir_set *set = dir->set;
    if (!is_plain_name(type, false))
        return NULL;
    pthread_mutex_lock(&set->lock);
    message_entry *m;
    for (m = dir->messages; m; m = m->next)
        if (strcmp(m->type, type) == 0)
            break;
    if (!m) {
        m = calloc(1, sizeof *m);
        if (m) {
            snprintf(m->type, sizeof m->type, "%s", type);
            m->message = load_message(dir, type);
            m->next = dir->messages;
            dir->messages = m;
        }
    }
    pthread_mutex_unlock(&set->lock);
    return m ? m->message : NULL;
}
