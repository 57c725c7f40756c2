/*
 * provenance.c - where the values of a translated document came from.
 *
 * Recording: the extension function kp:origin(node) that the sheets call
 * (mappings/wco/provenance.xsl) keeps the input node in a list and returns
 * its number, which the sheet writes as the attribute kp:from of the output
 * element; kh_provenance_collect turns those attributes into a table sorted
 * by output node, and removes them.
 *
 * Places: an input node of the EDIFACT-XML form is placed by walking it
 * (docs/edifact-xml.md): segments are the elements under <message> and its
 * segment group wrappers (SG1, SG2…), counted in order from UNH = 1; their
 * children carry the element, component and repetition positions (n, r).
 * Any other input node is placed by its XPath.
 *
 * The value search of kh_origin_of is the fallback for unmarked elements.
 */
#include "wco/provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>
#include <libxslt/extensions.h>

#define EDIFACT_XML_NS "urn:khaalga:edifact-xml:1"

typedef struct marked {
    xmlNodePtr output;
    xmlNodePtr input;
} marked;

struct kh_provenance {
    xmlDocPtr   source;
    bool        edifact_xml;
    xmlNodePtr *inputs;          /* what kp:origin recorded; kp:from="k" is inputs[k - 1] */
    size_t      input_count, input_cap;
    marked     *marks;           /* sorted by output node */
    size_t      mark_count;
};

kh_provenance *kh_provenance_new(xmlDocPtr source, bool edifact_xml)
{
    kh_provenance *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->source = source;
    p->edifact_xml = edifact_xml;
    return p;
}

void kh_provenance_free(kh_provenance *p)
{
    if (!p)
        return;
    free(p->inputs);
    free(p->marks);
    free(p);
}

/* ------------------------------------------------------------ recording */

static bool remember(kh_provenance *p, xmlNodePtr node)
{
    if (p->input_count == p->input_cap) {
        size_t cap = p->input_cap ? p->input_cap * 2 : 64;
        xmlNodePtr *grown = realloc(p->inputs, cap * sizeof *grown);
        if (!grown)
            return false;
        p->inputs = grown;
        p->input_cap = cap;
    }
    p->inputs[p->input_count++] = node;
    return true;
}

/* kp:origin(node-set): the number of the first node, "" when it is none of
 * the input document (a variable's result tree fragment, say). */
static void origin_function(xmlXPathParserContextPtr ctxt, int nargs)
{
    if (nargs != 1) {
        xmlXPathSetArityError(ctxt);
        return;
    }
    xmlXPathObjectPtr arg = valuePop(ctxt);
    xsltTransformContextPtr tctxt = xsltXPathGetTransformContext(ctxt);
    kh_provenance *p = tctxt ? tctxt->_private : NULL;
    char number[24] = "";
    if (p && arg && arg->type == XPATH_NODESET && arg->nodesetval && arg->nodesetval->nodeNr > 0) {
        xmlNodePtr node = arg->nodesetval->nodeTab[0];
        if (node->type != XML_NAMESPACE_DECL && node->doc == p->source && remember(p, node))
            snprintf(number, sizeof number, "%zu", p->input_count);
    }
    xmlXPathFreeObject(arg);
    valuePush(ctxt, xmlXPathNewString((const xmlChar *)number));
}

int kh_provenance_register(kh_provenance *p, xsltTransformContextPtr ctxt)
{
    ctxt->_private = p;
    return xsltRegisterExtFunction(ctxt, (const xmlChar *)"origin", (const xmlChar *)KH_PROVENANCE_NS,
                                   origin_function);
}

static bool add_mark(kh_provenance *p, size_t *cap, xmlNodePtr output, xmlNodePtr input)
{
    if (p->mark_count == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 64;
        marked *grown = realloc(p->marks, grown_cap * sizeof *grown);
        if (!grown)
            return false;
        p->marks = grown;
        *cap = grown_cap;
    }
    p->marks[p->mark_count].output = output;
    p->marks[p->mark_count].input = input;
    p->mark_count++;
    return true;
}

static bool is_provenance_ns(const xmlNs *ns)
{
    return ns && ns->href && strcmp((const char *)ns->href, KH_PROVENANCE_NS) == 0;
}

/* Removes the kp:from attribute of an element, recording where it points. */
static bool collect_mark(kh_provenance *p, size_t *cap, xmlNodePtr element)
{
    xmlAttrPtr a = element->properties;
    while (a) {
        xmlAttrPtr next = a->next;
        if (is_provenance_ns(a->ns)) {
            xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
            char *end = NULL;
            unsigned long k = v ? strtoul((const char *)v, &end, 10) : 0;
            bool numbered = v && end && *end == '\0' && k >= 1 && k <= p->input_count;
            xmlFree(v);
            xmlRemoveProp(a);
            if (numbered && !add_mark(p, cap, element, p->inputs[k - 1]))
                return false;
        }
        a = next;
    }
    return true;
}

/* Removes the declarations of the provenance namespace (once no attribute
 * uses them: an element's marks may use the declaration of an ancestor). */
static void drop_declarations(xmlNodePtr element)
{
    xmlNsPtr *link = &element->nsDef;
    while (*link) {
        xmlNsPtr ns = *link;
        if (is_provenance_ns(ns)) {
            *link = ns->next;
            ns->next = NULL;
            xmlFreeNs(ns);
        } else {
            link = &ns->next;
        }
    }
}

/* The next element after n in document order, below top. */
static xmlNodePtr next_element(xmlNodePtr n)
{
    if (n->children)
        return n->children;
    while (n && !n->next)
        n = n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
    return n ? n->next : NULL;
}

static int by_output(const void *a, const void *b)
{
    const marked *x = a, *y = b;
    return x->output < y->output ? -1 : x->output > y->output;
}

long kh_provenance_collect(kh_provenance *p, xmlDocPtr result)
{
    size_t cap = 0;
    xmlNodePtr root = xmlDocGetRootElement(result);
    /* every element, in document order, without recursion: first the
     * marks, then the namespace declarations they used */
    for (xmlNodePtr n = root; n; n = next_element(n))
        if (n->type == XML_ELEMENT_NODE && !collect_mark(p, &cap, n))
            return -1;
    for (xmlNodePtr n = root; n; n = next_element(n))
        if (n->type == XML_ELEMENT_NODE)
            drop_declarations(n);
    qsort(p->marks, p->mark_count, sizeof *p->marks, by_output);
    return (long)p->mark_count;
}

bool kh_provenance_origin(const kh_provenance *p, xmlNodePtr node, kh_origin *origin)
{
    memset(origin, 0, sizeof *origin);
    if (!p || !node || !p->mark_count)
        return false;
    marked key = { node, NULL };
    const marked *m = bsearch(&key, p->marks, p->mark_count, sizeof *p->marks, by_output);
    if (!m)
        return false;
    kh_origin_of_source(m->input, p->edifact_xml, origin);
    origin->exact = true;
    return origin->kind != KH_ORIGIN_NONE;
}

/* ------------------------------------------------------------ places */

static bool in_edifact_xml(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, EDIFACT_XML_NS) == 0 &&
           (!name || strcmp((const char *)n->name, name) == 0);
}

static bool is_group_wrapper(xmlNodePtr n)
{
    const char *name = (const char *)n->name;
    return name[0] == 'S' && name[1] == 'G' && name[2] >= '0' && name[2] <= '9';
}

static uint32_t number_attr(xmlNodePtr n, const char *name, uint32_t absent)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    uint32_t x = v ? (uint32_t)strtoul((const char *)v, NULL, 10) : absent;
    xmlFree(v);
    return x;
}

/* Calls visit for every segment of a message (or group), in order, until it
 * returns true; counts them in *position. */
typedef bool (*segment_visitor)(void *ctx, xmlNodePtr segment, uint32_t position);

static bool each_segment(xmlNodePtr parent, uint32_t *position, segment_visitor visit, void *ctx)
{
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (!in_edifact_xml(n, NULL))
            continue;
        if (is_group_wrapper(n)) {
            if (each_segment(n, position, visit, ctx))
                return true;
            continue;
        }
        if (visit(ctx, n, ++*position))
            return true;
    }
    return false;
}

/* The n-th <message> of an EDIFACT-XML document (interchange > (group >)
 * message), or with n = 0 the number of the message m. */
static xmlNodePtr nth_message(xmlDocPtr doc, uint32_t n, xmlNodePtr m, uint32_t *number)
{
    uint32_t seen = 0;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr ic = root ? root->children : NULL; ic; ic = ic->next) {
        if (!in_edifact_xml(ic, "interchange"))
            continue;
        for (xmlNodePtr c = ic->children; c; c = c->next) {
            xmlNodePtr first = in_edifact_xml(c, "group") ? c->children : c;
            xmlNodePtr last = in_edifact_xml(c, "group") ? NULL : c->next;
            for (xmlNodePtr g = first; g != last; g = g->next) {
                if (!in_edifact_xml(g, "message"))
                    continue;
                seen++;
                if ((n && seen == n) || (!n && g == m)) {
                    if (number)
                        *number = seen;
                    return g;
                }
            }
        }
    }
    return NULL;
}

typedef struct finding_segment {
    xmlNodePtr segment;
} finding_segment;

static bool is_the_segment(void *ctx, xmlNodePtr segment, uint32_t position)
{
    (void)position;
    return ((finding_segment *)ctx)->segment == segment;
}

static bool holds_segments(xmlNodePtr n)
{
    return in_edifact_xml(n, "message") || (in_edifact_xml(n, NULL) && is_group_wrapper(n));
}

static void place_in_edifact(xmlNodePtr node, kh_origin *o)
{
    /* the chain from the node up: ... component, element, segment, (groups), message */
    xmlNodePtr below_segment[2] = { NULL, NULL };   /* [0] the element, [1] the component */
    xmlNodePtr segment = NULL, message = NULL;
    for (xmlNodePtr n = node; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        if (in_edifact_xml(n, "message")) {
            message = n;
            break;
        }
        if (!segment && holds_segments(n->parent))
            segment = n;
        else if (!segment) {
            below_segment[1] = below_segment[0];
            below_segment[0] = n;
        }
    }
    xmlNodePtr element = below_segment[0], component = below_segment[1];
    /* a group stands for its trigger segment */
    while (segment && is_group_wrapper(segment)) {
        xmlNodePtr first = segment->children;
        while (first && !in_edifact_xml(first, NULL))
            first = first->next;
        segment = first;
        element = component = NULL;
    }
    if (!message)
        return;                          /* the interchange envelope: no message place */
    o->kind = KH_ORIGIN_EDIFACT;
    nth_message(node->doc, 0, message, &o->message);
    if (!segment)
        return;
    finding_segment f = { segment };
    uint32_t position = 0;
    if (each_segment(message, &position, is_the_segment, &f))
        o->segment = position;
    xmlChar *tag = xmlGetProp(segment, (const xmlChar *)"tag");
    snprintf(o->tag, sizeof o->tag, "%s", tag ? (const char *)tag : (const char *)segment->name);
    xmlFree(tag);
    if (element) {
        o->element = number_attr(element, "n", 0);
        o->repetition = number_attr(element, "r", 1);
    }
    if (component)
        o->component = number_attr(component, "n", 0);
}

/* The name of a node as the input wrote it (prefix:local or local). */
static void written_name(xmlNodePtr n, char *buf, size_t len)
{
    if (n->ns && n->ns->prefix)
        snprintf(buf, len, "%s:%s", (const char *)n->ns->prefix, (const char *)n->name);
    else
        snprintf(buf, len, "%s", (const char *)n->name);
}

static bool same_name(xmlNodePtr a, xmlNodePtr b)
{
    if (a->type != b->type || strcmp((const char *)a->name, (const char *)b->name) != 0)
        return false;
    if (!a->ns || !b->ns)
        return a->ns == b->ns;
    return strcmp((const char *)a->ns->href, (const char *)b->ns->href) == 0;
}

/* The XPath of an element or attribute: names with a position [k] where
 * siblings share the name. */
static void place_in_xml(xmlNodePtr node, kh_origin *o)
{
    char path[sizeof o->path] = "", step[160];
    for (xmlNodePtr n = node; n && (n->type == XML_ELEMENT_NODE || n->type == XML_ATTRIBUTE_NODE); n = n->parent) {
        char name[128];
        written_name(n, name, sizeof name);
        if (n->type == XML_ATTRIBUTE_NODE) {
            snprintf(step, sizeof step, "/@%s", name);
        } else {
            uint32_t position = 1, same = 0;
            for (xmlNodePtr s = n->parent ? n->parent->children : n; s; s = s->next) {
                if (!same_name(s, n))
                    continue;
                same++;
                if (s == n)
                    position = same;
            }
            if (same > 1)
                snprintf(step, sizeof step, "/%s[%u]", name, position);
            else
                snprintf(step, sizeof step, "/%s", name);
        }
        size_t sl = strlen(step), pl = strlen(path);
        if (sl + pl >= sizeof path)
            return;                      /* deeper than a reply can name */
        memmove(path + sl, path, pl + 1);
        memcpy(path, step, sl);
    }
    o->kind = KH_ORIGIN_XML;
    snprintf(o->path, sizeof o->path, "%s", path);
}

void kh_origin_of_source(xmlNodePtr source, bool edifact_xml, kh_origin *origin)
{
    memset(origin, 0, sizeof *origin);
    if (!source)
        return;
    if (source->type == XML_TEXT_NODE || source->type == XML_CDATA_SECTION_NODE)
        source = source->parent;
    if (!source || (source->type != XML_ELEMENT_NODE && source->type != XML_ATTRIBUTE_NODE))
        return;
    if (edifact_xml)
        place_in_edifact(source->type == XML_ATTRIBUTE_NODE ? source->parent : source, origin);
    else
        place_in_xml(source, origin);
}

void kh_origin_describe(const kh_origin *o, char *buf, size_t len)
{
    buf[0] = '\0';
    if (o->kind == KH_ORIGIN_XML) {
        snprintf(buf, len, "%s", o->path);
        return;
    }
    if (o->kind != KH_ORIGIN_EDIFACT)
        return;
    if (!o->segment) {
        snprintf(buf, len, "message %u", o->message);
        return;
    }
    char element[24] = "", component[24] = "", repetition[24] = "";
    if (o->element)
        snprintf(element, sizeof element, " element %u", o->element);
    if (o->component)
        snprintf(component, sizeof component, " component %u", o->component);
    if (o->repetition > 1)
        snprintf(repetition, sizeof repetition, " repetition %u", o->repetition);
    snprintf(buf, len, "message %u segment %u %s%s%s%s", o->message, o->segment, o->tag, element, component,
             repetition);
}

/* ------------------------------------------------------------ by value */

typedef struct search {
    const char *value;
    uint32_t    message;
    kh_origin  *origin;
} search;

static bool text_is(xmlNodePtr n, const char *value)
{
    xmlChar *t = xmlNodeGetContent(n);
    bool same = t && strcmp((const char *)t, value) == 0;
    xmlFree(t);
    return same;
}

static void found(search *s, xmlNodePtr segment, uint32_t position, uint32_t element, uint32_t component,
                  uint32_t repetition)
{
    if (++s->origin->candidates > 1)
        return;
    s->origin->kind = KH_ORIGIN_EDIFACT;
    s->origin->message = s->message;
    s->origin->segment = position;
    snprintf(s->origin->tag, sizeof s->origin->tag, "%s", (const char *)segment->name);
    s->origin->element = element;
    s->origin->component = component;
    s->origin->repetition = repetition;
}

/* The values of one segment: its element children, and their components. */
static bool search_segment(void *ctx, xmlNodePtr segment, uint32_t position)
{
    search *s = ctx;
    for (xmlNodePtr e = segment->children; e; e = e->next) {
        if (!in_edifact_xml(e, NULL))
            continue;
        uint32_t n = number_attr(e, "n", 0), r = number_attr(e, "r", 1);
        bool composite = false;
        for (xmlNodePtr c = e->children; c; c = c->next) {
            if (!in_edifact_xml(c, NULL))
                continue;
            composite = true;
            if (text_is(c, s->value))
                found(s, segment, position, n, number_attr(c, "n", 0), r);
        }
        if (!composite && text_is(e, s->value))
            found(s, segment, position, n, 0, r);
    }
    return false;                        /* every segment: ambiguity counts */
}

int kh_origin_of(xmlDocPtr edifact_xml, uint32_t message, xmlNodePtr node, kh_origin *origin)
{
    memset(origin, 0, sizeof *origin);
    if (!edifact_xml || !node || node->type != XML_ELEMENT_NODE)
        return 0;
    xmlChar *value = xmlNodeGetContent(node);
    if (!value || !value[0] || xmlFirstElementChild(node)) {
        xmlFree(value);
        return 0;                 /* only leaf values can be traced */
    }
    xmlNodePtr m = nth_message(edifact_xml, message, NULL, NULL);
    if (m) {
        search s = { (const char *)value, message, origin };
        uint32_t position = 0;
        each_segment(m, &position, search_segment, &s);
    }
    xmlFree(value);
    if (origin->candidates != 1)
        origin->kind = KH_ORIGIN_NONE;
    return origin->candidates;
}
