<?xml version="1.0" encoding="UTF-8"?>
<!--
  provenance.xsl - marks where an output element came from, for the sheets
  that include it (xsl:include href="provenance.xsl").

  A sheet calls, as the first thing inside an output element (before its
  text or children):

      <xsl:apply-templates select="SOURCE-NODE" mode="provenance"/>

  where SOURCE-NODE is the node of the input the element's value is taken
  from (the EDIFACT-XML data element or component, or the partner's XML
  element or attribute). When several nodes are selected, the first counts.

  When `khaalga translate` will validate the translation, it registers the
  extension function kp:origin (namespace urn:khaalga:provenance:1), which
  records the source node and returns a number naming it; the element then
  gets the attribute kp:from with that number. The engine reads and removes
  these attributes right after the transform, so the document printed and
  validated is the same as without them. Without the function (a plain
  `khaalga translate`, or xsltproc) the call writes nothing.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:kp="urn:khaalga:provenance:1"
                exclude-result-prefixes="kp">

  <xsl:variable name="kp:recording" select="function-available('kp:origin')"/>

  <xsl:template match="node() | @*" mode="provenance">
    <xsl:if test="$kp:recording and position() = 1">
      <xsl:attribute name="kp:from"><xsl:value-of select="kp:origin(.)"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

</xsl:stylesheet>
