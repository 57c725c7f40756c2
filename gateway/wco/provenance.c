/*
 * provenance.c - finds a value of a translated document among the values of
 * its EDIFACT message, walking the EDIFACT-XML form: segments are the
 * elements under <message> and its segment group wrappers (SG1, SG2…),
 * counted in order from UNH = 1; their children carry the element, component
 * and repetition positions (n, r) of docs/edifact-xml.md.
 */
#include "wco/provenance.h"

#include <stdlib.h>
#include <string.h>

#define EDIFACT_XML_NS "urn:khaalga:edifact-xml:1"

static bool in_edifact_xml(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns && strcmp((const char *)n->ns->href, EDIFACT_XML_NS) == 0 &&
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

typedef struct search {
    const char *value;
    uint32_t    message;
    uint32_t    segment;          /* position of the segment being looked at */
    kh_origin  *origin;
} search;

static bool text_is(xmlNodePtr n, const char *value)
{
    xmlChar *t = xmlNodeGetContent(n);
    bool same = t && strcmp((const char *)t, value) == 0;
    xmlFree(t);
    return same;
}

static void found(search *s, xmlNodePtr segment, uint32_t element, uint32_t component, uint32_t repetition)
{
    if (++s->origin->candidates > 1)
        return;
    s->origin->message = s->message;
    s->origin->segment = s->segment;
    snprintf(s->origin->tag, sizeof s->origin->tag, "%s", (const char *)segment->name);
    s->origin->element = element;
    s->origin->component = component;
    s->origin->repetition = repetition;
}

/* The values of one segment: its element children, and their components. */
static void search_segment(search *s, xmlNodePtr segment)
{
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
                found(s, segment, n, number_attr(c, "n", 0), r);
        }
        if (!composite && text_is(e, s->value))
            found(s, segment, n, 0, r);
    }
}

static void search_children(search *s, xmlNodePtr parent)
{
    for (xmlNodePtr n = parent->children; n; n = n->next) {
        if (!in_edifact_xml(n, NULL))
            continue;
        if (is_group_wrapper(n)) {
            search_children(s, n);
            continue;
        }
        s->segment++;
        search_segment(s, n);
    }
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
    /* the n-th <message> of the document: interchange > (group >) message */
    uint32_t seen = 0;
    xmlNodePtr m = NULL;
    xmlNodePtr root = xmlDocGetRootElement(edifact_xml);
    for (xmlNodePtr ic = root ? root->children : NULL; ic && !m; ic = ic->next) {
        if (!in_edifact_xml(ic, "interchange"))
            continue;
        for (xmlNodePtr c = ic->children; c && !m; c = c->next) {
            if (in_edifact_xml(c, "message") && ++seen == message)
                m = c;
            else if (in_edifact_xml(c, "group"))
                for (xmlNodePtr g = c->children; g && !m; g = g->next)
                    if (in_edifact_xml(g, "message") && ++seen == message)
                        m = g;
        }
    }
    if (m) {
        search s = { (const char *)value, message, 0, origin };
        search_children(&s, m);
    }
    xmlFree(value);
    return origin->candidates;
}
