<?xml version="1.0" encoding="UTF-8"?>
<!--
  res-cusres.xsl - the customs response RES of the Mongolian WCO DM 3.7
  profile (xsd/mn/res.xsd) to a CUSRES interchange (D96B unless told
  otherwise), written as
  EDIFACT-XML (docs/edifact-xml.md) for `khaalga translate` with the option
  to edifact: the reply Khaalga sends to a declarant that lodged a CUSDEC.

  Output: one interchange (by default in UTF-8, UNOW, syntax version 4, the
  default separators) holding one CUSRES message. The control counts (UNT
  0074, UNZ 0036) are written as 0: xml2edi computes them.
  Parameters (strings):
    sender     UNB S002/0004, default MNCUSTOMS (qualifier ZZZ), the
               identification declarants address the customs with
    recipient  UNB S003/0010, default DECLARANT (qualifier ZZZ): a
               placeholder; the gateway passes the sender of the CUSDEC it
               answers (RES does not name the declarant)
    reference  UNB/UNZ 0020 interchange control reference, default 1
    prepared   UNB S004 date and time of preparation as CCYYMMDDHHMM; by
               default the response's IssueDateTime in Ulaanbaatar time
               (XSLT 1.0 has no clock)
    directory  the CUSRES directory, D96B (default), D01B or D21A: what the
               partner sent (the three write the same segments except the
               indicator, GEI in D21A, and the RFF version, C506/1056 in D21A)
    charset, version  UNB S001 syntax identifier and version, default UNOW
               and 4 (version 3 writes the UNB date as YYMMDD)
    una        the six UNA characters the partner used, default none
  (`khaalga translate` with the option to edifact passes only `message`,
  which this sheet ignores: there the defaults apply; the reply option of
  `khaalga translate` passes them all from the partner's interchange.)

  Errors that Khaalga traced back to the partner's EDIFACT carry the
  attributes kp:segment, kp:tag (namespace urn:khaalga:provenance:1) on
  res:Error: their ERP C853 names that segment (9166 tag, 1050 position in
  the message with UNH = 1, 1159 = 5 "transmission sequence") instead of the
  WCO DM element ID; the element and component are in the FTX+AAO text.

  It is the inverse of cusres-res.xsl and uses its conventions (the mapping
  table is there and in mappings/wco/README-res.md): every field that sheet
  reads is written where it reads it, so RES -> CUSRES -> RES gives the same
  RES for what CUSRES carries.
  Choices of the writer:
    BGM 1001 963 (error response) for a rejection (27), else 962 (document
      response); 1225 the FunctionCode; 4343 RE for 27, AP for 29, 13 and
      47, none for 12 (received, not processed).
    Dates in Ulaanbaatar time, DTM 203 (204 when the seconds are not 00): a
      date-time with another offset is converted to +08:00 (D96B 2379 has no
      format with a UTC offset); fractions of a second are dropped.
    Lists kept in step by position: when one Status has an EffectiveDateTime
      (ReleaseDateTime), every Status gets a header DTM+7 (DTM+204), empty
      when it has none; likewise DTM+222 for AdditionalInformation/
      LimitDateTime. The payment reference and due date: one SG3 RFF+PQ
      (+DTM+140) when every Payment has the same ones, else one RFF+PQ group
      per DutyTaxFee in order (empty when it has none).
    An Error with several Pointers is written as one SG4 per Pointer (same
      ERC and FTX); an Error without a Pointer gets an empty ERP.
    AdditionalInformation without StatementTypeCode: FTX+ZZZ (FTX 4451 is
      mandatory).
    Texts are cut at spaces into C108 lines of at most 70 characters
      (cusres-res.xsl joins them with a space); line breaks and tabs become
      spaces. An AdditionalInformation text takes one FTX (5 lines, 350
      characters); an Error description as many FTX+AAO as it needs.
    TAX+3 (total of each duty, tax or fee type, customs declaration),
      C241/5153 type, C243/5278 rate, MOA+125 tax base, MOA+161 assessed,
      MOA+9 to pay.
  Stops (xsl:message terminate) rather than write a wrong interchange: an
  identifier longer than its D96B element (BGM 1004 and RFF 1154 an..35), an
  AdditionalInformation text over 350 characters, more header DTM or FTX (9)
  or GIS (10) than D96B allows.
  Not written (CUSRES has no place for them): AdditionalInformation/Pointer.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns="urn:khaalga:edifact-xml:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:res="urn:customs.gov.mn:wco:3.7:RES"
                xmlns:kp="urn:khaalga:provenance:1"
                exclude-result-prefixes="md res kp">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="sender" select="'MNCUSTOMS'"/>
  <xsl:param name="recipient" select="'DECLARANT'"/>
  <xsl:param name="reference" select="'1'"/>
  <xsl:param name="prepared" select="''"/>
  <xsl:param name="directory" select="'D96B'"/>
  <xsl:param name="charset" select="'UNOW'"/>
  <xsl:param name="version" select="'4'"/>
  <xsl:param name="una" select="''"/>

  <xsl:variable name="ns" select="'urn:khaalga:edifact-xml:1'"/>
  <!-- separates the pieces of a cut text (a private-use character) -->
  <xsl:variable name="cut" select="'&#xE000;'"/>
  <xsl:variable name="r" select="/md:MetaData/res:Response"/>
  <xsl:variable name="d" select="$r/res:Declaration"/>
  <xsl:variable name="statuses" select="$r/res:Status"/>
  <xsl:variable name="notes" select="$r/res:AdditionalInformation"/>
  <xsl:variable name="duties" select="$d/res:DutyTaxFee"/>
  <xsl:variable name="payments" select="$duties/res:Payment"/>
  <xsl:variable name="pay1" select="$payments[1]"/>
  <!-- one payment reference and due date for all the Payments? -->
  <xsl:variable name="shared-payref"
      select="count($payments[normalize-space(res:ReferenceID) != normalize-space($pay1/res:ReferenceID)
                              or normalize-space(res:DueDateTime) != normalize-space($pay1/res:DueDateTime)]) = 0"/>
  <xsl:variable name="any-payref" select="$payments[normalize-space(res:ReferenceID) != '' or normalize-space(res:DueDateTime) != '']"/>

  <!-- ============================================================ helpers -->

  <xsl:template name="stop">
    <xsl:param name="text"/>
    <xsl:message terminate="yes">
      <xsl:value-of select="concat('RES ', normalize-space($r/res:ID), ': ', $text)"/>
    </xsl:message>
  </xsl:template>

  <!-- Stops when value is longer than the D96B element. -->
  <xsl:template name="fit">
    <xsl:param name="value"/>
    <xsl:param name="max"/>
    <xsl:param name="what"/>
    <xsl:if test="string-length($value) &gt; $max">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat($what, ' (', $value, ') is longer than CUSRES D96B allows (', $max, ' characters)')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Stops when a header segment would repeat more often than D96B allows. -->
  <xsl:template name="at-most">
    <xsl:param name="count"/>
    <xsl:param name="max"/>
    <xsl:param name="what"/>
    <xsl:if test="$count &gt; $max">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat('the response needs ', $count, ' ', $what, '; CUSRES D96B allows ', $max)"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- A simple data element at position n. -->
  <xsl:template name="de">
    <xsl:param name="id"/>
    <xsl:param name="n"/>
    <xsl:param name="v"/>
    <xsl:element name="D{$id}" namespace="{$ns}">
      <xsl:attribute name="n"><xsl:value-of select="$n"/></xsl:attribute>
      <xsl:value-of select="$v"/>
    </xsl:element>
  </xsl:template>

  <!-- Cuts text into pieces of at most 70 characters at spaces, so that the
       pieces joined with one space (as cusres-res.xsl joins C108 lines) give
       the text again; a word longer than 70 characters is cut inside (the
       reader then puts a space into it). Pieces are separated by $cut.
       cur: the piece being filled; rest: the text after the space that
       follows cur; more: whether there is such a space. -->
  <xsl:template name="pack">
    <xsl:param name="cur"/>
    <xsl:param name="rest"/>
    <xsl:param name="more"/>
    <xsl:choose>
      <xsl:when test="not($more)">
        <xsl:call-template name="hard-cut"><xsl:with-param name="v" select="$cur"/></xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="tok">
          <xsl:choose>
            <xsl:when test="contains($rest, ' ')"><xsl:value-of select="substring-before($rest, ' ')"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="$rest"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:choose>
          <xsl:when test="string-length($cur) + 1 + string-length($tok) &lt;= 70">
            <xsl:call-template name="pack">
              <xsl:with-param name="cur" select="concat($cur, ' ', $tok)"/>
              <xsl:with-param name="rest" select="substring-after($rest, ' ')"/>
              <xsl:with-param name="more" select="contains($rest, ' ')"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise>
            <xsl:call-template name="hard-cut"><xsl:with-param name="v" select="$cur"/></xsl:call-template>
            <xsl:value-of select="$cut"/>
            <xsl:call-template name="pack">
              <xsl:with-param name="cur" select="$tok"/>
              <xsl:with-param name="rest" select="substring-after($rest, ' ')"/>
              <xsl:with-param name="more" select="contains($rest, ' ')"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A piece longer than 70 characters cut into pieces of 70. -->
  <xsl:template name="hard-cut">
    <xsl:param name="v"/>
    <xsl:choose>
      <xsl:when test="string-length($v) &gt; 70">
        <xsl:value-of select="concat(substring($v, 1, 70), $cut)"/>
        <xsl:call-template name="hard-cut"><xsl:with-param name="v" select="substring($v, 71)"/></xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$v"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The pieces of a cut text as C108 lines D4440 n = 1..count. -->
  <xsl:template name="lines">
    <xsl:param name="pieces"/>
    <xsl:param name="n" select="1"/>
    <xsl:param name="count" select="5"/>
    <xsl:if test="$count &gt; 0">
      <xsl:call-template name="de">
        <xsl:with-param name="id" select="'4440'"/>
        <xsl:with-param name="n" select="$n"/>
        <xsl:with-param name="v" select="substring-before(concat($pieces, $cut), $cut)"/>
      </xsl:call-template>
      <xsl:if test="contains($pieces, $cut)">
        <xsl:call-template name="lines">
          <xsl:with-param name="pieces" select="substring-after($pieces, $cut)"/>
          <xsl:with-param name="n" select="$n + 1"/>
          <xsl:with-param name="count" select="$count - 1"/>
        </xsl:call-template>
      </xsl:if>
    </xsl:if>
  </xsl:template>

  <!-- The first k pieces of a cut text, and what is after them. -->
  <xsl:template name="after-pieces">
    <xsl:param name="pieces"/>
    <xsl:param name="k" select="5"/>
    <xsl:choose>
      <xsl:when test="$k = 0"><xsl:value-of select="$pieces"/></xsl:when>
      <xsl:when test="contains($pieces, $cut)">
        <xsl:call-template name="after-pieces">
          <xsl:with-param name="pieces" select="substring-after($pieces, $cut)"/>
          <xsl:with-param name="k" select="$k - 1"/>
        </xsl:call-template>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- A text as pieces of 70 characters: control characters become spaces. -->
  <xsl:template name="cut-text">
    <xsl:param name="text"/>
    <xsl:variable name="t" select="translate($text, '&#9;&#10;&#13;', '   ')"/>
    <xsl:call-template name="pack">
      <xsl:with-param name="cur" select="substring-before(concat($t, ' '), ' ')"/>
      <xsl:with-param name="rest" select="substring-after($t, ' ')"/>
      <xsl:with-param name="more" select="contains($t, ' ')"/>
    </xsl:call-template>
  </xsl:template>

  <!-- FTX+qualifier segments carrying the pieces, five lines each. -->
  <xsl:template name="ftx-run">
    <xsl:param name="qualifier"/>
    <xsl:param name="pieces"/>
    <xsl:param name="language"/>
    <FTX>
      <xsl:call-template name="de"><xsl:with-param name="id" select="'4451'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
      <C108 n="4"><xsl:call-template name="lines"><xsl:with-param name="pieces" select="$pieces"/></xsl:call-template></C108>
      <xsl:if test="string($language)">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'3453'"/><xsl:with-param name="n" select="5"/><xsl:with-param name="v" select="$language"/></xsl:call-template>
      </xsl:if>
    </FTX>
    <xsl:variable name="rest">
      <xsl:call-template name="after-pieces"><xsl:with-param name="pieces" select="$pieces"/></xsl:call-template>
    </xsl:variable>
    <xsl:if test="string($rest) != ''">
      <xsl:call-template name="ftx-run">
        <xsl:with-param name="qualifier" select="$qualifier"/>
        <xsl:with-param name="pieces" select="$rest"/>
        <xsl:with-param name="language" select="$language"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- two digits -->
  <xsl:template name="two">
    <xsl:param name="v"/>
    <xsl:value-of select="format-number($v, '00')"/>
  </xsl:template>

  <!-- Days in month m of year y. -->
  <xsl:template name="month-days">
    <xsl:param name="y"/>
    <xsl:param name="m"/>
    <xsl:choose>
      <xsl:when test="$m = 2 and (($y mod 4 = 0 and $y mod 100 != 0) or $y mod 400 = 0)">29</xsl:when>
      <xsl:when test="$m = 2">28</xsl:when>
      <xsl:when test="$m = 4 or $m = 6 or $m = 9 or $m = 11">30</xsl:when>
      <xsl:otherwise>31</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- An xs:dateTime with its offset as CCYYMMDDHHMMSS in Ulaanbaatar time (UTC+8). -->
  <xsl:template name="local">
    <xsl:param name="v"/>
    <xsl:param name="what"/>
    <xsl:variable name="t" select="normalize-space($v)"/>
    <xsl:variable name="zone">
      <xsl:choose>
        <xsl:when test="substring($t, string-length($t)) = 'Z'">+00:00</xsl:when>
        <xsl:otherwise><xsl:value-of select="substring($t, string-length($t) - 5)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:if test="string-length($t) &lt; 20 or substring($t, 5, 1) != '-' or substring($t, 11, 1) != 'T'
                  or not(substring($zone, 1, 1) = '+' or substring($zone, 1, 1) = '-') or substring($zone, 4, 1) != ':'">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat($what, ' &quot;', $t, '&quot; is not a date and time with its UTC offset')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:variable name="y" select="number(substring($t, 1, 4))"/>
    <xsl:variable name="mo" select="number(substring($t, 6, 2))"/>
    <xsl:variable name="dd" select="number(substring($t, 9, 2))"/>
    <xsl:variable name="hh" select="number(substring($t, 12, 2))"/>
    <xsl:variable name="mi" select="number(substring($t, 15, 2))"/>
    <xsl:variable name="ss" select="substring($t, 18, 2)"/>
    <xsl:variable name="offset" select="(1 - 2 * number(substring($zone, 1, 1) = '-')) * (number(substring($zone, 2, 2)) * 60 + number(substring($zone, 5, 2)))"/>
    <xsl:choose>
      <xsl:when test="$offset = 480">
        <xsl:value-of select="concat(substring($t, 1, 4), substring($t, 6, 2), substring($t, 9, 2), substring($t, 12, 2), substring($t, 15, 2), $ss)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="total" select="$hh * 60 + $mi + 480 - $offset"/>
        <xsl:variable name="shift" select="floor($total div 1440)"/>
        <xsl:variable name="minutes" select="$total - $shift * 1440"/>
        <xsl:variable name="dim">
          <xsl:call-template name="month-days"><xsl:with-param name="y" select="$y"/><xsl:with-param name="m" select="$mo"/></xsl:call-template>
        </xsl:variable>
        <xsl:variable name="prev-dim">
          <xsl:call-template name="month-days"><xsl:with-param name="y" select="$y"/><xsl:with-param name="m" select="$mo - 1"/></xsl:call-template>
        </xsl:variable>
        <xsl:variable name="date">
          <xsl:choose>
            <xsl:when test="$shift = 0"><xsl:value-of select="concat($y, ' ', $mo, ' ', $dd)"/></xsl:when>
            <xsl:when test="$shift = 1 and $dd &lt; $dim"><xsl:value-of select="concat($y, ' ', $mo, ' ', $dd + 1)"/></xsl:when>
            <xsl:when test="$shift = 1 and $mo &lt; 12"><xsl:value-of select="concat($y, ' ', $mo + 1, ' 1')"/></xsl:when>
            <xsl:when test="$shift = 1"><xsl:value-of select="concat($y + 1, ' 1 1')"/></xsl:when>
            <xsl:when test="$dd &gt; 1"><xsl:value-of select="concat($y, ' ', $mo, ' ', $dd - 1)"/></xsl:when>
            <xsl:when test="$mo &gt; 1"><xsl:value-of select="concat($y, ' ', $mo - 1, ' ', $prev-dim)"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="concat($y - 1, ' 12 31')"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:value-of select="format-number(substring-before($date, ' '), '0000')"/>
        <xsl:call-template name="two"><xsl:with-param name="v" select="substring-before(substring-after($date, ' '), ' ')"/></xsl:call-template>
        <xsl:call-template name="two"><xsl:with-param name="v" select="substring-after(substring-after($date, ' '), ' ')"/></xsl:call-template>
        <xsl:call-template name="two"><xsl:with-param name="v" select="floor($minutes div 60)"/></xsl:call-template>
        <xsl:call-template name="two"><xsl:with-param name="v" select="$minutes mod 60"/></xsl:call-template>
        <xsl:value-of select="$ss"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- DTM+qualifier with a RES date-time (203, or 204 with seconds); an
       empty DTM+qualifier when the date-time is absent. -->
  <xsl:template name="dtm">
    <xsl:param name="qualifier"/>
    <xsl:param name="when"/>
    <xsl:param name="what"/>
    <DTM>
      <C507 n="1">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'2005'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
        <xsl:if test="normalize-space($when) != ''">
          <xsl:variable name="v">
            <xsl:call-template name="local">
              <xsl:with-param name="v" select="$when"/>
              <xsl:with-param name="what" select="$what"/>
            </xsl:call-template>
          </xsl:variable>
          <xsl:choose>
            <xsl:when test="substring($v, 13, 2) = '00'">
              <xsl:call-template name="de"><xsl:with-param name="id" select="'2380'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="substring($v, 1, 12)"/></xsl:call-template>
              <xsl:call-template name="de"><xsl:with-param name="id" select="'2379'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="'203'"/></xsl:call-template>
            </xsl:when>
            <xsl:otherwise>
              <xsl:call-template name="de"><xsl:with-param name="id" select="'2380'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="$v"/></xsl:call-template>
              <xsl:call-template name="de"><xsl:with-param name="id" select="'2379'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="'204'"/></xsl:call-template>
            </xsl:otherwise>
          </xsl:choose>
        </xsl:if>
      </C507>
    </DTM>
  </xsl:template>

  <!-- RFF+qualifier:value, with a version (C506/4000) when given. -->
  <xsl:template name="rff">
    <xsl:param name="qualifier"/>
    <xsl:param name="value"/>
    <xsl:param name="version" select="''"/>
    <xsl:param name="what"/>
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="$value"/>
      <xsl:with-param name="max" select="35"/>
      <xsl:with-param name="what" select="$what"/>
    </xsl:call-template>
    <RFF>
      <C506 n="1">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'1153'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
        <xsl:if test="string($value) != ''">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'1154'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="$value"/></xsl:call-template>
        </xsl:if>
        <xsl:if test="string($version) != ''">
          <xsl:call-template name="de">
            <xsl:with-param name="id">
              <xsl:choose>
                <xsl:when test="$directory = 'D21A'">1056</xsl:when>
                <xsl:otherwise>4000</xsl:otherwise>
              </xsl:choose>
            </xsl:with-param>
            <xsl:with-param name="n" select="4"/><xsl:with-param name="v" select="$version"/>
          </xsl:call-template>
        </xsl:if>
      </C506>
    </RFF>
  </xsl:template>

  <!-- A status or risk channel indicator: GIS+value:ZZZ:ZZZ:marker. -->
  <xsl:template name="gis">
    <xsl:param name="value"/>
    <xsl:param name="marker"/>
    <xsl:choose>
      <xsl:when test="$directory = 'D21A'">
        <GEI>
          <D9649 n="1">ZZZ</D9649>
          <C012 n="2">
            <xsl:call-template name="de"><xsl:with-param name="id" select="'7365'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$value"/></xsl:call-template>
            <D1131 n="2">ZZZ</D1131>
            <D3055 n="3">ZZZ</D3055>
          </C012>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'7187'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="$marker"/></xsl:call-template>
        </GEI>
      </xsl:when>
      <xsl:otherwise>
        <GIS>
          <C529 n="1">
            <xsl:call-template name="de"><xsl:with-param name="id" select="'7365'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$value"/></xsl:call-template>
            <D1131 n="2">ZZZ</D1131>
            <D3055 n="3">ZZZ</D3055>
            <xsl:call-template name="de"><xsl:with-param name="id" select="'7187'"/><xsl:with-param name="n" select="4"/><xsl:with-param name="v" select="$marker"/></xsl:call-template>
          </C529>
        </GIS>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- MOA+qualifier:amount:currency -->
  <xsl:template name="moa">
    <xsl:param name="qualifier"/>
    <xsl:param name="amount"/>
    <xsl:if test="$amount">
      <MOA>
        <C516 n="1">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'5025'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'5004'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="normalize-space($amount)"/></xsl:call-template>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'6345'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="normalize-space($amount/@currencyID)"/></xsl:call-template>
        </C516>
      </MOA>
    </xsl:if>
  </xsl:template>

  <!-- ============================================================ interchange -->

  <xsl:template match="/">
    <xsl:if test="not($r)">
      <xsl:message terminate="yes">the input is not a RES document (md:MetaData with res:Response)</xsl:message>
    </xsl:if>
    <xsl:variable name="stamp">
      <xsl:choose>
        <xsl:when test="string($prepared)"><xsl:value-of select="$prepared"/></xsl:when>
        <xsl:otherwise>
          <xsl:call-template name="local">
            <xsl:with-param name="v" select="$r/res:IssueDateTime"/>
            <xsl:with-param name="what" select="'IssueDateTime'"/>
          </xsl:call-template>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:if test="$directory != 'D96B' and $directory != 'D01B' and $directory != 'D21A'">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('RES ', normalize-space($r/res:ID), ': CUSRES is written in D96B, D01B or D21A, not ', $directory)"/>
      </xsl:message>
    </xsl:if>
    <edifact>
      <interchange charset="{$charset}" version="{$version}">
        <xsl:if test="string($una)">
          <xsl:attribute name="una"><xsl:value-of select="$una"/></xsl:attribute>
        </xsl:if>
        <UNB>
          <S001 n="1"><D0001 n="1"><xsl:value-of select="$charset"/></D0001><D0002 n="2"><xsl:value-of select="$version"/></D0002></S001>
          <S002 n="2"><D0004 n="1"><xsl:value-of select="$sender"/></D0004><D0007 n="2">ZZZ</D0007></S002>
          <S003 n="3"><D0010 n="1"><xsl:value-of select="$recipient"/></D0010><D0007 n="2">ZZZ</D0007></S003>
          <S004 n="4"><D0017 n="1"><xsl:value-of select="substring($stamp, 1 + 2 * number($version &lt; 4), 8 - 2 * number($version &lt; 4))"/></D0017><D0019 n="2"><xsl:value-of select="substring($stamp, 9, 4)"/></D0019></S004>
          <D0020 n="5"><xsl:value-of select="$reference"/></D0020>
        </UNB>
        <message ref="1" type="CUSRES" directory="{$directory}">
          <UNH>
            <D0062 n="1">1</D0062>
            <S009 n="2"><D0065 n="1">CUSRES</D0065><D0052 n="2"><xsl:value-of select="substring($directory, 1, 1)"/></D0052><D0054 n="3"><xsl:value-of select="substring($directory, 2)"/></D0054><D0051 n="4">UN</D0051></S009>
          </UNH>
          <xsl:apply-templates select="$r" mode="message"/>
          <UNT><D0074 n="1">0</D0074><D0062 n="2">1</D0062></UNT>
        </message>
        <UNZ><D0036 n="1">0</D0036><D0020 n="2"><xsl:value-of select="$reference"/></D0020></UNZ>
      </interchange>
    </edifact>
  </xsl:template>

  <!-- ============================================================ message -->

  <xsl:template match="res:Response" mode="message">
    <xsl:variable name="function" select="normalize-space(res:FunctionCode)"/>
    <xsl:variable name="any-effective" select="$statuses[normalize-space(res:EffectiveDateTime) != '']"/>
    <xsl:variable name="any-release" select="$statuses[normalize-space(res:ReleaseDateTime) != '']"/>
    <xsl:variable name="any-limit" select="$notes[normalize-space(res:LimitDateTime) != '']"/>
    <xsl:call-template name="at-most">
      <xsl:with-param name="count" select="1 + count($statuses) * (number(boolean($any-effective)) + number(boolean($any-release)))
                                           + count($notes) * number(boolean($any-limit))"/>
      <xsl:with-param name="max" select="9"/>
      <xsl:with-param name="what" select="'header DTM (issue date, status and limit dates)'"/>
    </xsl:call-template>
    <xsl:call-template name="at-most">
      <xsl:with-param name="count" select="count($notes)"/>
      <xsl:with-param name="max" select="9"/>
      <xsl:with-param name="what" select="'header FTX (AdditionalInformation)'"/>
    </xsl:call-template>
    <xsl:call-template name="at-most">
      <xsl:with-param name="count" select="count($statuses) + count($statuses/res:RiskChannelCode)"/>
      <xsl:with-param name="max" select="10"/>
      <xsl:with-param name="what" select="'header GIS (Status and RiskChannelCode)'"/>
    </xsl:call-template>
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="normalize-space(res:ID)"/>
      <xsl:with-param name="max" select="35"/>
      <xsl:with-param name="what" select="'Response/ID, BGM C106/1004'"/>
    </xsl:call-template>

    <BGM>
      <C002 n="1">
        <D1001 n="1">
          <xsl:choose>
            <xsl:when test="$function = '27'">963</xsl:when>
            <xsl:otherwise>962</xsl:otherwise>
          </xsl:choose>
        </D1001>
      </C002>
      <C106 n="2"><xsl:call-template name="de"><xsl:with-param name="id" select="'1004'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(res:ID)"/></xsl:call-template></C106>
      <xsl:call-template name="de"><xsl:with-param name="id" select="'1225'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="$function"/></xsl:call-template>
      <xsl:choose>
        <xsl:when test="$function = '27'"><D4343 n="4">RE</D4343></xsl:when>
        <xsl:when test="$function = '29' or $function = '13' or $function = '47'"><D4343 n="4">AP</D4343></xsl:when>
      </xsl:choose>
    </BGM>

    <!-- header dates: issue, then the status dates, then the limit dates, in step -->
    <xsl:call-template name="dtm">
      <xsl:with-param name="qualifier" select="'137'"/>
      <xsl:with-param name="when" select="res:IssueDateTime"/>
      <xsl:with-param name="what" select="'IssueDateTime'"/>
    </xsl:call-template>
    <xsl:if test="$any-effective">
      <xsl:for-each select="$statuses">
        <xsl:call-template name="dtm">
          <xsl:with-param name="qualifier" select="'7'"/>
          <xsl:with-param name="when" select="res:EffectiveDateTime"/>
          <xsl:with-param name="what" select="'Status/EffectiveDateTime'"/>
        </xsl:call-template>
      </xsl:for-each>
    </xsl:if>
    <xsl:if test="$any-release">
      <xsl:for-each select="$statuses">
        <xsl:call-template name="dtm">
          <xsl:with-param name="qualifier" select="'204'"/>
          <xsl:with-param name="when" select="res:ReleaseDateTime"/>
          <xsl:with-param name="what" select="'Status/ReleaseDateTime'"/>
        </xsl:call-template>
      </xsl:for-each>
    </xsl:if>
    <xsl:if test="$any-limit">
      <xsl:for-each select="$notes">
        <xsl:call-template name="dtm">
          <xsl:with-param name="qualifier" select="'222'"/>
          <xsl:with-param name="when" select="res:LimitDateTime"/>
          <xsl:with-param name="what" select="'AdditionalInformation/LimitDateTime'"/>
        </xsl:call-template>
      </xsl:for-each>
    </xsl:if>

    <!-- AdditionalInformation -->
    <xsl:for-each select="$notes">
      <xsl:variable name="type" select="normalize-space(res:StatementTypeCode)"/>
      <xsl:variable name="pieces">
        <xsl:call-template name="cut-text"><xsl:with-param name="text" select="string(res:StatementDescription)"/></xsl:call-template>
      </xsl:variable>
      <xsl:if test="string-length($pieces) - string-length(translate($pieces, $cut, '')) &gt; 4">
        <xsl:call-template name="stop">
          <xsl:with-param name="text" select="concat('AdditionalInformation number ', position(),
                                                     ': its StatementDescription does not fit the 5 lines of 70 characters of one FTX (CUSRES D96B)')"/>
        </xsl:call-template>
      </xsl:if>
      <FTX>
        <xsl:call-template name="de">
          <xsl:with-param name="id" select="'4451'"/>
          <xsl:with-param name="n" select="1"/>
          <xsl:with-param name="v">
            <xsl:choose>
              <xsl:when test="$type != ''"><xsl:value-of select="$type"/></xsl:when>
              <xsl:otherwise>ZZZ</xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
        </xsl:call-template>
        <xsl:for-each select="res:StatementCode">
          <C107 n="3"><xsl:call-template name="de"><xsl:with-param name="id" select="'4441'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template></C107>
        </xsl:for-each>
        <xsl:if test="res:StatementDescription">
          <C108 n="4"><xsl:call-template name="lines"><xsl:with-param name="pieces" select="$pieces"/></xsl:call-template></C108>
        </xsl:if>
        <xsl:for-each select="res:StatementDescription/@languageID">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'3453'"/><xsl:with-param name="n" select="5"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template>
        </xsl:for-each>
      </FTX>
    </xsl:for-each>

    <xsl:for-each select="$d/res:DeclarationOfficeID">
      <LOC>
        <D3227 n="1">22</D3227>
        <C517 n="2"><xsl:call-template name="de"><xsl:with-param name="id" select="'3225'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template></C517>
      </LOC>
    </xsl:for-each>

    <!-- Status and risk channel -->
    <xsl:for-each select="$statuses">
      <xsl:call-template name="gis">
        <xsl:with-param name="value" select="normalize-space(res:NameCode)"/>
        <xsl:with-param name="marker" select="'379'"/>
      </xsl:call-template>
      <xsl:for-each select="res:RiskChannelCode">
        <xsl:call-template name="gis">
          <xsl:with-param name="value" select="normalize-space(.)"/>
          <xsl:with-param name="marker" select="'MN01'"/>
        </xsl:call-template>
      </xsl:for-each>
    </xsl:for-each>

    <!-- SG3 references -->
    <xsl:for-each select="res:FunctionalReferenceID">
      <SG3>
        <xsl:call-template name="rff">
          <xsl:with-param name="qualifier" select="'ABO'"/>
          <xsl:with-param name="value" select="normalize-space(.)"/>
          <xsl:with-param name="what" select="'Response/FunctionalReferenceID, RFF+ABO'"/>
        </xsl:call-template>
      </SG3>
    </xsl:for-each>
    <SG3>
      <xsl:call-template name="rff">
        <xsl:with-param name="qualifier" select="'ABE'"/>
        <xsl:with-param name="value" select="normalize-space($d/res:FunctionalReferenceID)"/>
        <xsl:with-param name="version" select="normalize-space($d/res:VersionID)"/>
        <xsl:with-param name="what" select="'Declaration/FunctionalReferenceID, RFF+ABE'"/>
      </xsl:call-template>
      <xsl:for-each select="$d/res:AcceptanceDateTime">
        <xsl:call-template name="dtm">
          <xsl:with-param name="qualifier" select="'148'"/>
          <xsl:with-param name="when" select="."/>
          <xsl:with-param name="what" select="'Declaration/AcceptanceDateTime'"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$d/res:RejectionDateTime">
        <xsl:call-template name="dtm">
          <xsl:with-param name="qualifier" select="'334'"/>
          <xsl:with-param name="when" select="."/>
          <xsl:with-param name="what" select="'Declaration/RejectionDateTime'"/>
        </xsl:call-template>
      </xsl:for-each>
    </SG3>
    <xsl:for-each select="$d/res:ID">
      <SG3>
        <xsl:call-template name="rff">
          <xsl:with-param name="qualifier" select="'ABT'"/>
          <xsl:with-param name="value" select="normalize-space(.)"/>
          <xsl:with-param name="what" select="'Declaration/ID, RFF+ABT'"/>
        </xsl:call-template>
      </SG3>
    </xsl:for-each>
    <xsl:choose>
      <xsl:when test="not($any-payref)"/>
      <xsl:when test="$shared-payref">
        <xsl:apply-templates select="$pay1" mode="payref"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:for-each select="$duties">
          <xsl:choose>
            <xsl:when test="res:Payment"><xsl:apply-templates select="res:Payment" mode="payref"/></xsl:when>
            <xsl:otherwise><SG3><RFF><C506 n="1"><D1153 n="1">PQ</D1153></C506></RFF></SG3></xsl:otherwise>
          </xsl:choose>
        </xsl:for-each>
      </xsl:otherwise>
    </xsl:choose>

    <!-- SG4 errors: one group per Pointer -->
    <xsl:for-each select="res:Error">
      <xsl:variable name="error" select="."/>
      <xsl:choose>
        <xsl:when test="res:Pointer">
          <xsl:for-each select="res:Pointer">
            <xsl:apply-templates select="$error" mode="error"><xsl:with-param name="pointer" select="."/></xsl:apply-templates>
          </xsl:for-each>
        </xsl:when>
        <xsl:otherwise>
          <xsl:apply-templates select="$error" mode="error"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:for-each>

    <!-- SG5 duties, taxes and fees -->
    <xsl:for-each select="$duties">
      <SG5>
        <TAX>
          <D5283 n="1">3</D5283>
          <C241 n="2"><xsl:call-template name="de"><xsl:with-param name="id" select="'5153'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(res:TypeCode)"/></xsl:call-template></C241>
          <xsl:for-each select="res:TaxRateNumeric">
            <C243 n="5"><xsl:call-template name="de"><xsl:with-param name="id" select="'5278'"/><xsl:with-param name="n" select="4"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template></C243>
          </xsl:for-each>
        </TAX>
        <xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'125'"/><xsl:with-param name="amount" select="res:AdValoremTaxBaseAmount"/></xsl:call-template>
        <xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'161'"/><xsl:with-param name="amount" select="res:Payment/res:TaxAssessedAmount"/></xsl:call-template>
        <xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'9'"/><xsl:with-param name="amount" select="res:Payment/res:PaymentAmount"/></xsl:call-template>
      </SG5>
    </xsl:for-each>
  </xsl:template>

  <!-- SG3 RFF+PQ with DTM+140: the payment reference and due date of a Payment -->
  <xsl:template match="res:Payment" mode="payref">
    <SG3>
      <xsl:call-template name="rff">
        <xsl:with-param name="qualifier" select="'PQ'"/>
        <xsl:with-param name="value" select="normalize-space(res:ReferenceID)"/>
        <xsl:with-param name="what" select="'Payment/ReferenceID, RFF+PQ'"/>
      </xsl:call-template>
      <xsl:for-each select="res:DueDateTime">
        <xsl:call-template name="dtm">
          <xsl:with-param name="qualifier" select="'140'"/>
          <xsl:with-param name="when" select="."/>
          <xsl:with-param name="what" select="'Payment/DueDateTime'"/>
        </xsl:call-template>
      </xsl:for-each>
    </SG3>
  </xsl:template>

  <!-- SG4: ERP (the pointer), ERC, FTX+AAO -->
  <xsl:template match="res:Error" mode="error">
    <xsl:param name="pointer" select="/.."/>
    <SG4>
      <ERP>
        <xsl:if test="$pointer/res:SequenceNumeric or $pointer/res:DocumentSectionCode">
          <C701 n="1">
            <xsl:for-each select="$pointer/res:DocumentSectionCode">
              <xsl:call-template name="de"><xsl:with-param name="id" select="'1049'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template>
            </xsl:for-each>
            <xsl:for-each select="$pointer/res:SequenceNumeric">
              <xsl:call-template name="de"><xsl:with-param name="id" select="'1052'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template>
            </xsl:for-each>
          </C701>
        </xsl:if>
        <xsl:choose>
          <xsl:when test="@kp:segment">
            <!-- the segment of the partner's message the error's data came from -->
            <C853 n="2">
              <xsl:call-template name="de"><xsl:with-param name="id" select="'9166'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="@kp:tag"/></xsl:call-template>
              <xsl:call-template name="de"><xsl:with-param name="id" select="'1050'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="@kp:segment"/></xsl:call-template>
              <D1159 n="3">5</D1159>
            </C853>
          </xsl:when>
          <xsl:otherwise>
            <xsl:for-each select="$pointer/res:TagID">
              <C853 n="2"><xsl:call-template name="de"><xsl:with-param name="id" select="'1050'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template></C853>
            </xsl:for-each>
          </xsl:otherwise>
        </xsl:choose>
      </ERP>
      <ERC><C901 n="1"><xsl:call-template name="de"><xsl:with-param name="id" select="'9321'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(res:ValidationCode)"/></xsl:call-template></C901></ERC>
      <xsl:for-each select="res:Description">
        <xsl:call-template name="ftx-run">
          <xsl:with-param name="qualifier" select="'AAO'"/>
          <xsl:with-param name="pieces">
            <xsl:call-template name="cut-text"><xsl:with-param name="text" select="string(.)"/></xsl:call-template>
          </xsl:with-param>
          <xsl:with-param name="language" select="normalize-space(@languageID)"/>
        </xsl:call-template>
      </xsl:for-each>
    </SG4>
  </xsl:template>

</xsl:stylesheet>
