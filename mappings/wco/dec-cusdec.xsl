<?xml version="1.0" encoding="UTF-8"?>
<!--
  dec-cusdec.xsl - the goods declaration DEC of the Mongolian WCO DM 3.7
  profile (xsd/mn/dec.xsd) to a CUSDEC D96B interchange, written as
  EDIFACT-XML (docs/edifact-xml.md) for `khaalga translate` with the option to edifact.

  Output: one interchange in UTF-8 (UNOW, syntax version 4, the default
  separators) holding one CUSDEC D:96B:UN message. The control counts (UNT
  0074, UNZ 0036) are written as 0: xml2edi computes them.
  Parameters (strings):
    sender     UNB S002/0004, default KHAALGA (qualifier ZZZ)
    recipient  UNB S003/0010, default MNCUSTOMS (qualifier ZZZ)
    reference  UNB/UNZ 0020 interchange control reference, default 1
    prepared   UNB S004 date and time of preparation as CCYYMMDDHHMM; by
               default the declaration's IssueDateTime as written (XSLT 1.0
               has no clock)
  (`khaalga translate` passes only `message`, which this sheet ignores: there
  the defaults apply.)

  It is the inverse of cusdec-dec.xsl and uses the same conventions (the
  mapping table is there): every field cusdec-dec.xsl reads is written where
  that sheet reads it, so CUSDEC -> DEC -> CUSDEC -> DEC gives the same DEC.
  Choices of the writer:
    BGM 1001: IM 929, EX 830, TR 950, FZ 914 with header CST FZ:105.
    Indicators are GIS (D96B): GIS v:125 guarantee type, v:127 valuation
      method, v:134 payment method, 2|3:ZZZ:ZZZ:102 representation status,
      68|69 container indicator. The nth guarantee is the nth GIS v:125, RFF+ABL
      and MOA+166, the nth payment the nth TAX+4 group and RFF+PQ (written even
      when empty, to keep them in step).
    Weights: MEA+WT+G (gross) and MEA+WT+AAL (net), as the D96B corpus does;
      tariff quantity MEA+AAR (a quantity without unit is written H87, which
      the profile defines as its meaning); transport equipment EQD+CN.
    Statistical value MOA+123, document dates DTM+182 (issue date).
    Invoice lines: after UNS+D, one SG10 (DMS: the number of the header
      AdditionalDocument of type 380, 1001 = 380) holding an SG21 per goods
      item with an InvoiceLine: LIN 1082 = SequenceNumeric, QTY+47
      (QuantityQuantity), PRI+INV (UnitPriceAmount; PRI has no currency, so a
      unit price in another currency than the line's amount, or without one
      the invoice's, stops the sheet), MOA+203 (ItemChargeAmount, line item
      amount).
    Texts longer than a D96B component are cut at spaces (names, free text,
      marks) or at ", " (street lines) so that cusdec-dec.xsl joins them
      back; a value that does not fit the D96B element at all stops the
      sheet (xsl:message terminate) instead of writing a wrong interchange,
      for instance a seal number longer than 10 characters (SEL 9308 an..10).
    IssueDateTime in Ulaanbaatar time (+08:00) becomes DTM 203 (204 with
      seconds); D96B 2379 has no format with a UTC offset, so another offset
      stops the sheet. Seals on one of several equipments stop it too (D96B
      lists EQD and SEL apart).
  Not written (CUSDEC D96B has no place for them, or cusdec-dec.xsl derives
  them): languageID of names and addresses (FTX texts keep it in 3453),
  AdditionalDocument/CategoryCode (derived from the type code) and the
  Submitter of a declaration-level document (the header DOC group has no
  NAD), CurrencyExchange other than the invoice currency's (a CUX only sits
  under the MOA of the amount it converts), ChargeDeduction types other than
  FRT, INS, LOA, Origin/TypeCode, PreviousDocument, ValuationAdjustment,
  UCR/TraderAssignedReferenceID.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns="urn:khaalga:edifact-xml:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:dec="urn:customs.gov.mn:wco:3.7:DEC"
                exclude-result-prefixes="md dec">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="sender" select="'KHAALGA'"/>
  <xsl:param name="recipient" select="'MNCUSTOMS'"/>
  <xsl:param name="reference" select="'1'"/>
  <xsl:param name="prepared" select="''"/>

  <xsl:variable name="ns" select="'urn:khaalga:edifact-xml:1'"/>
  <!-- separates the pieces of a cut text (a private-use character) -->
  <xsl:variable name="cut" select="'&#xE000;'"/>
  <xsl:variable name="d" select="/md:MetaData/dec:Declaration"/>
  <xsl:variable name="gs" select="$d/dec:GoodsShipment"/>

  <!-- ============================================================ helpers -->

  <xsl:template name="stop">
    <xsl:param name="text"/>
    <xsl:message terminate="yes">
      <xsl:value-of select="concat('DEC ', $d/dec:FunctionalReferenceID, ': ', $text)"/>
    </xsl:message>
  </xsl:template>

  <!-- Stops when value is longer than the D96B element. -->
  <xsl:template name="fit">
    <xsl:param name="value"/>
    <xsl:param name="max"/>
    <xsl:param name="what"/>
    <xsl:if test="string-length($value) &gt; $max">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat($what, ' (', $value, ') is longer than CUSDEC D96B allows (', $max, ' characters)')"/>
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

  <!-- Cuts text into pieces of at most max characters, at sep where it can
       (the pieces keep their words whole and the reader joins them with
       sep); a word longer than max is cut inside. Pieces are separated by $cut. -->
  <xsl:template name="pack">
    <xsl:param name="rest"/>
    <xsl:param name="sep"/>
    <xsl:param name="max"/>
    <xsl:param name="cur" select="''"/>
    <xsl:choose>
      <xsl:when test="$rest = ''">
        <xsl:value-of select="$cur"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="more" select="contains($rest, $sep)"/>
        <xsl:variable name="tok">
          <xsl:choose>
            <xsl:when test="$more"><xsl:value-of select="substring-before($rest, $sep)"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="$rest"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:variable name="cand">
          <xsl:choose>
            <xsl:when test="$cur = ''"><xsl:value-of select="$tok"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="concat($cur, $sep, $tok)"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:choose>
          <xsl:when test="string-length($cand) &lt;= $max">
            <xsl:call-template name="pack">
              <xsl:with-param name="rest" select="substring-after($rest, $sep)"/>
              <xsl:with-param name="sep" select="$sep"/>
              <xsl:with-param name="max" select="$max"/>
              <xsl:with-param name="cur" select="$cand"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:when test="$cur != ''">
            <xsl:value-of select="concat($cur, $cut)"/>
            <xsl:call-template name="pack">
              <xsl:with-param name="rest" select="$rest"/>
              <xsl:with-param name="sep" select="$sep"/>
              <xsl:with-param name="max" select="$max"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise>
            <xsl:value-of select="concat(substring($tok, 1, $max), $cut)"/>
            <xsl:call-template name="pack">
              <xsl:with-param name="rest" select="substring($rest, $max + 1)"/>
              <xsl:with-param name="sep" select="$sep"/>
              <xsl:with-param name="max" select="$max"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- The pieces of a cut text as components D{id} from position n on. -->
  <xsl:template name="pieces">
    <xsl:param name="pieces"/>
    <xsl:param name="id"/>
    <xsl:param name="n" select="1"/>
    <xsl:param name="count" select="99"/>
    <xsl:if test="$count &gt; 0">
      <xsl:call-template name="de">
        <xsl:with-param name="id" select="$id"/>
        <xsl:with-param name="n" select="$n"/>
        <xsl:with-param name="v" select="substring-before(concat($pieces, $cut), $cut)"/>
      </xsl:call-template>
      <xsl:if test="contains($pieces, $cut)">
        <xsl:call-template name="pieces">
          <xsl:with-param name="pieces" select="substring-after($pieces, $cut)"/>
          <xsl:with-param name="id" select="$id"/>
          <xsl:with-param name="n" select="$n + 1"/>
          <xsl:with-param name="count" select="$count - 1"/>
        </xsl:call-template>
      </xsl:if>
    </xsl:if>
  </xsl:template>

  <!-- Text cut into at most slots pieces of max characters: the composite
       components, or a stop naming what does not fit. -->
  <xsl:template name="components">
    <xsl:param name="text"/>
    <xsl:param name="sep" select="' '"/>
    <xsl:param name="max"/>
    <xsl:param name="slots"/>
    <xsl:param name="id"/>
    <xsl:param name="n" select="1"/>
    <xsl:param name="what"/>
    <xsl:variable name="pieces">
      <xsl:call-template name="pack">
        <xsl:with-param name="rest" select="string($text)"/>
        <xsl:with-param name="sep" select="$sep"/>
        <xsl:with-param name="max" select="$max"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:if test="string-length($pieces) - string-length(translate($pieces, $cut, '')) + 1 &gt; $slots">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat($what, ' (', $text, ') is longer than CUSDEC D96B allows (',
                                                   $slots, ' components of ', $max, ' characters)')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:call-template name="pieces">
      <xsl:with-param name="pieces" select="$pieces"/>
      <xsl:with-param name="id" select="$id"/>
      <xsl:with-param name="n" select="$n"/>
    </xsl:call-template>
  </xsl:template>

  <!-- FTX segments for one text: 4451 qualifier, optional C107/4441 code,
       the text in C108 (five pieces of 70 per segment, as many segments as
       needed), 3453 language. -->
  <xsl:template name="ftx">
    <xsl:param name="qualifier"/>
    <xsl:param name="code" select="''"/>
    <xsl:param name="text" select="''"/>
    <xsl:param name="language" select="''"/>
    <xsl:param name="pieces">
      <xsl:if test="string($text)">
        <xsl:call-template name="pack">
          <xsl:with-param name="rest" select="string($text)"/>
          <xsl:with-param name="sep" select="' '"/>
          <xsl:with-param name="max" select="70"/>
        </xsl:call-template>
      </xsl:if>
    </xsl:param>
    <FTX>
      <xsl:call-template name="de"><xsl:with-param name="id" select="'4451'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
      <xsl:if test="string($code)">
        <C107 n="3"><xsl:call-template name="de"><xsl:with-param name="id" select="'4441'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$code"/></xsl:call-template></C107>
      </xsl:if>
      <xsl:if test="string($pieces)">
        <C108 n="4">
          <xsl:call-template name="pieces">
            <xsl:with-param name="pieces" select="$pieces"/>
            <xsl:with-param name="id" select="'4440'"/>
            <xsl:with-param name="count" select="5"/>
          </xsl:call-template>
        </C108>
      </xsl:if>
      <xsl:if test="string($language)">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'3453'"/><xsl:with-param name="n" select="5"/><xsl:with-param name="v" select="$language"/></xsl:call-template>
      </xsl:if>
    </FTX>
    <!-- the pieces after the fifth go into the next FTX -->
    <xsl:variable name="later">
      <xsl:call-template name="after-pieces">
        <xsl:with-param name="pieces" select="$pieces"/>
        <xsl:with-param name="skip" select="5"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:if test="string($later)">
      <xsl:call-template name="ftx">
        <xsl:with-param name="qualifier" select="$qualifier"/>
        <xsl:with-param name="language" select="$language"/>
        <xsl:with-param name="pieces" select="$later"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <xsl:template name="after-pieces">
    <xsl:param name="pieces"/>
    <xsl:param name="skip"/>
    <xsl:choose>
      <xsl:when test="$skip = 0"><xsl:value-of select="$pieces"/></xsl:when>
      <xsl:when test="contains($pieces, $cut)">
        <xsl:call-template name="after-pieces">
          <xsl:with-param name="pieces" select="substring-after($pieces, $cut)"/>
          <xsl:with-param name="skip" select="$skip - 1"/>
        </xsl:call-template>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- MOA: C516 with 5025 qualifier, 5004 amount, 6345 currency (from an
       AmountType element; no element: only the qualifier). -->
  <xsl:template name="moa">
    <xsl:param name="qualifier"/>
    <xsl:param name="amount" select="/.."/>
    <xsl:if test="$amount">
      <xsl:call-template name="fit">
        <xsl:with-param name="value" select="translate($amount, '.', '')"/>
        <xsl:with-param name="max" select="18"/>
        <xsl:with-param name="what" select="local-name($amount)"/>
      </xsl:call-template>
    </xsl:if>
    <MOA>
      <C516 n="1">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'5025'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
        <xsl:if test="$amount">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'5004'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="normalize-space($amount)"/></xsl:call-template>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'6345'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="$amount/@currencyID"/></xsl:call-template>
        </xsl:if>
      </C516>
    </MOA>
  </xsl:template>

  <!-- GIS: C529 with 7365 value, 1131 code list, 3055 agency, 7187 process. -->
  <xsl:template name="gis">
    <xsl:param name="value"/>
    <xsl:param name="list" select="''"/>
    <xsl:param name="agency" select="''"/>
    <xsl:param name="process" select="''"/>
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="$value"/>
      <xsl:with-param name="max" select="3"/>
      <xsl:with-param name="what" select="'an indicator (GIS 7365)'"/>
    </xsl:call-template>
    <GIS>
      <C529 n="1">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'7365'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$value"/></xsl:call-template>
        <xsl:if test="string($list)">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'1131'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="$list"/></xsl:call-template>
        </xsl:if>
        <xsl:if test="string($agency)">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'3055'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="$agency"/></xsl:call-template>
        </xsl:if>
        <xsl:if test="string($process)">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'7187'"/><xsl:with-param name="n" select="4"/><xsl:with-param name="v" select="$process"/></xsl:call-template>
        </xsl:if>
      </C529>
    </GIS>
  </xsl:template>

  <xsl:template name="loc">
    <xsl:param name="qualifier"/>
    <xsl:param name="place"/>
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="$place"/>
      <xsl:with-param name="max" select="25"/>
      <xsl:with-param name="what" select="concat('the place of LOC+', $qualifier)"/>
    </xsl:call-template>
    <LOC>
      <xsl:call-template name="de"><xsl:with-param name="id" select="'3227'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
      <C517 n="2"><xsl:call-template name="de"><xsl:with-param name="id" select="'3225'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$place"/></xsl:call-template></C517>
    </LOC>
  </xsl:template>

  <!-- MEA: 6311, C502/6313, C174 unit and value. -->
  <xsl:template name="mea">
    <xsl:param name="application"/>
    <xsl:param name="dimension" select="''"/>
    <xsl:param name="measure"/>
    <xsl:param name="unit" select="$measure/@unitCode"/>
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="normalize-space($measure)"/>
      <xsl:with-param name="max" select="18"/>
      <xsl:with-param name="what" select="local-name($measure)"/>
    </xsl:call-template>
    <MEA>
      <xsl:call-template name="de"><xsl:with-param name="id" select="'6311'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$application"/></xsl:call-template>
      <xsl:if test="string($dimension)">
        <C502 n="2"><xsl:call-template name="de"><xsl:with-param name="id" select="'6313'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$dimension"/></xsl:call-template></C502>
      </xsl:if>
      <C174 n="3">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'6411'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$unit"/></xsl:call-template>
        <xsl:call-template name="de"><xsl:with-param name="id" select="'6314'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="normalize-space($measure)"/></xsl:call-template>
      </C174>
    </MEA>
  </xsl:template>

  <!-- DTM with format 102 from an xs:date. -->
  <xsl:template name="dtm-date">
    <xsl:param name="qualifier"/>
    <xsl:param name="date"/>
    <xsl:variable name="v" select="normalize-space($date)"/>
    <xsl:if test="string-length($v) != 10">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat('the date ', $v, ' has a time zone, which DTM format 102 cannot carry')"/>
      </xsl:call-template>
    </xsl:if>
    <DTM>
      <C507 n="1">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'2005'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
        <xsl:call-template name="de"><xsl:with-param name="id" select="'2380'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="translate($v, '-', '')"/></xsl:call-template>
        <xsl:call-template name="de"><xsl:with-param name="id" select="'2379'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="'102'"/></xsl:call-template>
      </C507>
    </DTM>
  </xsl:template>

  <!-- NAD with a party identifier (agency ZZZ), name (C080), street (C059),
       city, postcode and country. -->
  <xsl:template match="*" mode="nad">
    <xsl:param name="qualifier"/>
    <xsl:variable name="what" select="concat(local-name(), ' (NAD+', $qualifier, ')')"/>
    <xsl:variable name="a" select="dec:Address"/>
    <NAD>
      <xsl:call-template name="de"><xsl:with-param name="id" select="'3035'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="$qualifier"/></xsl:call-template>
      <xsl:if test="dec:ID">
        <C082 n="2">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'3039'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(dec:ID)"/></xsl:call-template>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'3055'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="'ZZZ'"/></xsl:call-template>
        </C082>
      </xsl:if>
      <xsl:if test="dec:Name">
        <C080 n="4">
          <xsl:call-template name="components">
            <xsl:with-param name="text" select="dec:Name"/>
            <xsl:with-param name="max" select="35"/>
            <xsl:with-param name="slots" select="5"/>
            <xsl:with-param name="id" select="'3036'"/>
            <xsl:with-param name="what" select="concat('the name of the ', $what)"/>
          </xsl:call-template>
        </C080>
      </xsl:if>
      <xsl:if test="$a/dec:Line">
        <C059 n="5">
          <xsl:call-template name="components">
            <xsl:with-param name="text" select="$a/dec:Line"/>
            <xsl:with-param name="sep" select="', '"/>
            <xsl:with-param name="max" select="35"/>
            <xsl:with-param name="slots" select="4"/>
            <xsl:with-param name="id" select="'3042'"/>
            <xsl:with-param name="what" select="concat('the street of the ', $what)"/>
          </xsl:call-template>
        </C059>
      </xsl:if>
      <xsl:for-each select="$a/dec:CityName">
        <xsl:call-template name="fit">
          <xsl:with-param name="value" select="."/><xsl:with-param name="max" select="35"/>
          <xsl:with-param name="what" select="concat('the city of the ', $what)"/>
        </xsl:call-template>
        <xsl:call-template name="de"><xsl:with-param name="id" select="'3164'"/><xsl:with-param name="n" select="6"/><xsl:with-param name="v" select="."/></xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$a/dec:PostcodeID">
        <xsl:call-template name="fit">
          <xsl:with-param name="value" select="normalize-space(.)"/><xsl:with-param name="max" select="9"/>
          <xsl:with-param name="what" select="concat('the postcode of the ', $what)"/>
        </xsl:call-template>
        <xsl:call-template name="de"><xsl:with-param name="id" select="'3251'"/><xsl:with-param name="n" select="8"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$a/dec:CountryCode">
        <xsl:call-template name="de"><xsl:with-param name="id" select="'3207'"/><xsl:with-param name="n" select="9"/><xsl:with-param name="v" select="normalize-space(.)"/></xsl:call-template>
      </xsl:for-each>
    </NAD>
  </xsl:template>

  <!-- A DOC group: DOC, DTM+182 (issue date), NAD+MS (issuer) when allowed. -->
  <xsl:template match="dec:AdditionalDocument" mode="doc">
    <xsl:param name="group"/>
    <xsl:param name="issuer" select="true()"/>
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="normalize-space(dec:ID)"/>
      <xsl:with-param name="max" select="35"/>
      <xsl:with-param name="what" select="'AdditionalDocument/ID'"/>
    </xsl:call-template>
    <xsl:element name="{$group}" namespace="{$ns}">
      <DOC>
        <C002 n="1"><xsl:call-template name="de"><xsl:with-param name="id" select="'1001'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(dec:TypeCode)"/></xsl:call-template></C002>
        <C503 n="2"><xsl:call-template name="de"><xsl:with-param name="id" select="'1004'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(dec:ID)"/></xsl:call-template></C503>
      </DOC>
      <xsl:for-each select="dec:IssueDate">
        <xsl:call-template name="dtm-date">
          <xsl:with-param name="qualifier" select="'182'"/>
          <xsl:with-param name="date" select="."/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:if test="$issuer">
        <xsl:for-each select="dec:Submitter">
          <NAD>
            <D3035 n="1">MS</D3035>
            <C080 n="4">
              <xsl:call-template name="components">
                <xsl:with-param name="text" select="dec:Name"/>
                <xsl:with-param name="max" select="35"/>
                <xsl:with-param name="slots" select="5"/>
                <xsl:with-param name="id" select="'3036'"/>
                <xsl:with-param name="what" select="'the name of the issuer of a document (NAD+MS)'"/>
              </xsl:call-template>
            </C080>
          </NAD>
        </xsl:for-each>
      </xsl:if>
    </xsl:element>
  </xsl:template>

  <!-- ============================================================ interchange -->

  <xsl:template match="/">
    <xsl:if test="not($d)">
      <xsl:message terminate="yes">the input is not a DEC document (md:MetaData with dec:Declaration)</xsl:message>
    </xsl:if>
    <xsl:variable name="when" select="normalize-space($d/dec:IssueDateTime)"/>
    <xsl:variable name="stamp">
      <xsl:choose>
        <xsl:when test="string($prepared)"><xsl:value-of select="$prepared"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="translate(substring($when, 1, 16), '-T:', '')"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <edifact>
      <interchange charset="UNOW" version="4">
        <UNB>
          <S001 n="1"><D0001 n="1">UNOW</D0001><D0002 n="2">4</D0002></S001>
          <S002 n="2"><D0004 n="1"><xsl:value-of select="$sender"/></D0004><D0007 n="2">ZZZ</D0007></S002>
          <S003 n="3"><D0010 n="1"><xsl:value-of select="$recipient"/></D0010><D0007 n="2">ZZZ</D0007></S003>
          <S004 n="4"><D0017 n="1"><xsl:value-of select="substring($stamp, 1, 8)"/></D0017><D0019 n="2"><xsl:value-of select="substring($stamp, 9, 4)"/></D0019></S004>
          <D0020 n="5"><xsl:value-of select="$reference"/></D0020>
        </UNB>
        <message ref="1" type="CUSDEC" directory="D96B">
          <UNH>
            <D0062 n="1">1</D0062>
            <S009 n="2"><D0065 n="1">CUSDEC</D0065><D0052 n="2">D</D0052><D0054 n="3">96B</D0054><D0051 n="4">UN</D0051></S009>
          </UNH>
          <xsl:apply-templates select="$d" mode="header"/>
          <UNS><D0081 n="1">D</D0081></UNS>
          <xsl:if test="$gs/dec:GovernmentAgencyGoodsItem/dec:Commodity/dec:InvoiceLine">
            <xsl:apply-templates select="$d" mode="invoice"/>
          </xsl:if>
          <xsl:apply-templates select="$gs/dec:GovernmentAgencyGoodsItem" mode="item"/>
          <UNS><D0081 n="1">S</D0081></UNS>
          <xsl:apply-templates select="$d" mode="summary"/>
          <UNT><D0074 n="1">0</D0074><D0062 n="2">1</D0062></UNT>
        </message>
        <UNZ><D0036 n="1">0</D0036><D0020 n="2"><xsl:value-of select="$reference"/></D0020></UNZ>
      </interchange>
    </edifact>
  </xsl:template>

  <!-- ============================================================ header section -->

  <xsl:template match="dec:Declaration" mode="header">
    <xsl:variable name="type" select="normalize-space(dec:TypeCode)"/>
    <BGM>
      <C002 n="1">
        <D1001 n="1">
          <xsl:choose>
            <xsl:when test="$type = 'IM'">929</xsl:when>
            <xsl:when test="$type = 'EX'">830</xsl:when>
            <xsl:when test="$type = 'TR'">950</xsl:when>
            <xsl:otherwise>914</xsl:otherwise>
          </xsl:choose>
        </D1001>
      </C002>
      <C106 n="2"><D1004 n="1"><xsl:value-of select="normalize-space(dec:FunctionalReferenceID)"/></D1004></C106>
      <D1225 n="3"><xsl:value-of select="normalize-space(dec:FunctionCode)"/></D1225>
    </BGM>
    <xsl:variable name="nature" select="$gs/dec:TransactionNatureCode"/>
    <xsl:variable name="own-type" select="$type != 'IM' and $type != 'EX' and $type != 'TR'"/>
    <xsl:if test="$nature or $own-type">
      <CST>
        <xsl:if test="$own-type">
          <C246 n="2"><D7361 n="1"><xsl:value-of select="$type"/></D7361><D1131 n="2">105</D1131></C246>
        </xsl:if>
        <xsl:for-each select="$nature">
          <C246 n="{2 + number($own-type)}"><D7361 n="1"><xsl:value-of select="normalize-space(.)"/></D7361><D1131 n="2">112</D1131></C246>
        </xsl:for-each>
      </CST>
    </xsl:if>
    <xsl:call-template name="loc"><xsl:with-param name="qualifier" select="'22'"/><xsl:with-param name="place" select="normalize-space(dec:DeclarationOfficeID)"/></xsl:call-template>
    <xsl:for-each select="dec:ExitOffice/dec:ID">
      <xsl:call-template name="loc"><xsl:with-param name="qualifier" select="'42'"/><xsl:with-param name="place" select="normalize-space(.)"/></xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:ExportCountry/dec:ID">
      <xsl:call-template name="loc"><xsl:with-param name="qualifier" select="'35'"/><xsl:with-param name="place" select="normalize-space(.)"/></xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:Destination/dec:CountryCode">
      <xsl:call-template name="loc"><xsl:with-param name="qualifier" select="'28'"/><xsl:with-param name="place" select="normalize-space(.)"/></xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:Consignment/dec:Itinerary">
      <xsl:call-template name="loc"><xsl:with-param name="qualifier" select="'49'"/><xsl:with-param name="place" select="normalize-space(dec:RoutingCountryCode)"/></xsl:call-template>
    </xsl:for-each>
    <xsl:call-template name="issued"/>
    <!-- indicators -->
    <xsl:for-each select="$gs/dec:Consignment/dec:ContainerCode">
      <xsl:call-template name="gis">
        <xsl:with-param name="value"><xsl:choose><xsl:when test="normalize-space(.) = '1'">68</xsl:when><xsl:otherwise>69</xsl:otherwise></xsl:choose></xsl:with-param>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="dec:Agent/dec:FunctionCode">
      <xsl:call-template name="gis">
        <xsl:with-param name="value" select="normalize-space(.)"/>
        <xsl:with-param name="list" select="'ZZZ'"/>
        <xsl:with-param name="agency" select="'ZZZ'"/>
        <xsl:with-param name="process" select="'102'"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="dec:ObligationGuarantee">
      <xsl:call-template name="gis">
        <xsl:with-param name="value" select="normalize-space(dec:SecurityDetailsCode)"/>
        <xsl:with-param name="list" select="'125'"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="dec:TotalGrossMassMeasure">
      <xsl:call-template name="mea">
        <xsl:with-param name="application" select="'WT'"/>
        <xsl:with-param name="dimension" select="'G'"/>
        <xsl:with-param name="measure" select="."/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:variable name="equipment" select="$gs/dec:Consignment/dec:TransportEquipment"/>
    <xsl:if test="count($equipment) &gt; 1 and $equipment/dec:Seal">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="'seals on one of several transport equipments: CUSDEC D96B lists EQD and SEL separately and cannot tell which equipment a seal is on'"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:for-each select="$equipment">
      <EQD>
        <D8053 n="1">CN</D8053>
        <C237 n="2"><D8260 n="1"><xsl:value-of select="normalize-space(dec:ID)"/></D8260></C237>
      </EQD>
    </xsl:for-each>
    <xsl:for-each select="$equipment/dec:Seal">
      <xsl:call-template name="fit">
        <xsl:with-param name="value" select="normalize-space(dec:ID)"/>
        <xsl:with-param name="max" select="10"/>
        <xsl:with-param name="what" select="'Seal/ID'"/>
      </xsl:call-template>
      <SEL><D9308 n="1"><xsl:value-of select="normalize-space(dec:ID)"/></D9308></SEL>
    </xsl:for-each>
    <xsl:for-each select="dec:AdditionalInformation">
      <xsl:call-template name="ftx">
        <xsl:with-param name="qualifier">
          <xsl:choose>
            <xsl:when test="dec:StatementTypeCode"><xsl:value-of select="normalize-space(dec:StatementTypeCode)"/></xsl:when>
            <xsl:otherwise>AAI</xsl:otherwise>
          </xsl:choose>
        </xsl:with-param>
        <xsl:with-param name="code" select="normalize-space(dec:StatementCode)"/>
        <xsl:with-param name="text" select="dec:StatementDescription"/>
        <xsl:with-param name="language" select="dec:StatementDescription/@languageID"/>
      </xsl:call-template>
    </xsl:for-each>
    <!-- SG1 references -->
    <xsl:for-each select="dec:ID">
      <xsl:call-template name="rff"><xsl:with-param name="qualifier" select="'ABT'"/><xsl:with-param name="number" select="normalize-space(.)"/></xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:UCR/dec:ID">
      <xsl:call-template name="rff"><xsl:with-param name="qualifier" select="'UCN'"/><xsl:with-param name="number" select="normalize-space(.)"/></xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="dec:ObligationGuarantee">
      <xsl:call-template name="rff"><xsl:with-param name="qualifier" select="'ABL'"/><xsl:with-param name="number" select="normalize-space(dec:ReferenceID)"/></xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="dec:Payment">
      <xsl:call-template name="rff"><xsl:with-param name="qualifier" select="'PQ'"/><xsl:with-param name="number" select="normalize-space(dec:ReferenceID)"/></xsl:call-template>
    </xsl:for-each>
    <!-- SG4 border transport -->
    <xsl:for-each select="dec:BorderTransportMeans">
      <xsl:call-template name="fit">
        <xsl:with-param name="value" select="normalize-space(dec:ID)"/>
        <xsl:with-param name="max" select="17"/>
        <xsl:with-param name="what" select="'BorderTransportMeans/ID (TDT 8028)'"/>
      </xsl:call-template>
      <SG4>
        <TDT>
          <D8051 n="1">11</D8051>
          <xsl:for-each select="dec:ID"><D8028 n="2"><xsl:value-of select="normalize-space(.)"/></D8028></xsl:for-each>
          <C220 n="3"><D8067 n="1"><xsl:value-of select="normalize-space(dec:ModeCode)"/></D8067></C220>
          <xsl:for-each select="dec:TypeCode"><C228 n="4"><D8179 n="1"><xsl:value-of select="normalize-space(.)"/></D8179></C228></xsl:for-each>
          <xsl:for-each select="dec:RegistrationNationalityCode"><C222 n="8"><D8453 n="5"><xsl:value-of select="normalize-space(.)"/></D8453></C222></xsl:for-each>
        </TDT>
      </SG4>
    </xsl:for-each>
    <!-- SG5 documents -->
    <xsl:apply-templates select="dec:AdditionalDocument" mode="doc">
      <xsl:with-param name="group" select="'SG5'"/>
      <xsl:with-param name="issuer" select="false()"/>
    </xsl:apply-templates>
    <!-- SG6 parties -->
    <xsl:for-each select="dec:Declarant">
      <SG6><xsl:apply-templates select="." mode="nad"><xsl:with-param name="qualifier" select="'DT'"/></xsl:apply-templates></SG6>
    </xsl:for-each>
    <xsl:for-each select="dec:Agent">
      <SG6><xsl:apply-templates select="." mode="nad"><xsl:with-param name="qualifier" select="'AE'"/></xsl:apply-templates></SG6>
    </xsl:for-each>
    <xsl:for-each select="dec:Exporter | $gs/dec:Exporter">
      <SG6><xsl:apply-templates select="." mode="nad"><xsl:with-param name="qualifier" select="'EX'"/></xsl:apply-templates></SG6>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:Importer">
      <SG6><xsl:apply-templates select="." mode="nad"><xsl:with-param name="qualifier" select="'IM'"/></xsl:apply-templates></SG6>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:Consignor">
      <SG6><xsl:apply-templates select="." mode="nad"><xsl:with-param name="qualifier" select="'CZ'"/></xsl:apply-templates></SG6>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:Consignee">
      <SG6><xsl:apply-templates select="." mode="nad"><xsl:with-param name="qualifier" select="'CN'"/></xsl:apply-templates></SG6>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:Buyer">
      <SG6><xsl:apply-templates select="." mode="nad"><xsl:with-param name="qualifier" select="'BY'"/></xsl:apply-templates></SG6>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:Seller">
      <SG6><xsl:apply-templates select="." mode="nad"><xsl:with-param name="qualifier" select="'SE'"/></xsl:apply-templates></SG6>
    </xsl:for-each>
    <!-- SG7 delivery terms -->
    <xsl:for-each select="$gs/dec:TradeTerms">
      <SG7>
        <TOD>
          <D4055 n="1">6</D4055>
          <C100 n="3">
            <D4053 n="1"><xsl:value-of select="normalize-space(dec:ConditionCode)"/></D4053>
            <xsl:if test="dec:LocationName">
              <xsl:call-template name="components">
                <xsl:with-param name="text" select="dec:LocationName"/>
                <xsl:with-param name="max" select="70"/>
                <xsl:with-param name="slots" select="2"/>
                <xsl:with-param name="id" select="'4052'"/>
                <xsl:with-param name="n" select="4"/>
                <xsl:with-param name="what" select="'TradeTerms/LocationName'"/>
              </xsl:call-template>
            </xsl:if>
          </C100>
        </TOD>
      </SG7>
    </xsl:for-each>
    <!-- SG8 amounts (with the exchange rate of the invoice currency) -->
    <xsl:for-each select="dec:InvoiceAmount">
      <SG8>
        <xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'39'"/><xsl:with-param name="amount" select="."/></xsl:call-template>
        <xsl:for-each select="$d/dec:CurrencyExchange[normalize-space(dec:CurrencyTypeCode) = normalize-space(current()/@currencyID)][1]">
          <SG9>
            <CUX>
              <C504 n="1"><D6347 n="1">2</D6347><D6345 n="2"><xsl:value-of select="normalize-space(dec:CurrencyTypeCode)"/></D6345><D6343 n="3">4</D6343></C504>
              <C504 n="2"><D6347 n="1">3</D6347><D6345 n="2">MNT</D6345></C504>
              <D5402 n="3"><xsl:value-of select="normalize-space(dec:RateNumeric)"/></D5402>
            </CUX>
          </SG9>
        </xsl:for-each>
      </SG8>
    </xsl:for-each>
    <xsl:for-each select="$gs/dec:CustomsValuation/dec:ChargeDeduction">
      <xsl:variable name="code" select="normalize-space(dec:ChargesTypeCode)"/>
      <xsl:variable name="qualifier">
        <xsl:choose>
          <xsl:when test="$code = 'FRT'">144</xsl:when>
          <xsl:when test="$code = 'INS'">70</xsl:when>
          <xsl:when test="$code = 'LOA'">81</xsl:when>
        </xsl:choose>
      </xsl:variable>
      <xsl:if test="string($qualifier)">
        <SG8><xsl:call-template name="moa"><xsl:with-param name="qualifier" select="$qualifier"/><xsl:with-param name="amount" select="dec:OtherChargeDeductionAmount"/></xsl:call-template></SG8>
      </xsl:if>
    </xsl:for-each>
    <xsl:for-each select="dec:ObligationGuarantee">
      <SG8><xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'166'"/><xsl:with-param name="amount" select="dec:AmountAmount"/></xsl:call-template></SG8>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="rff">
    <xsl:param name="qualifier"/>
    <xsl:param name="number"/>
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="$number"/>
      <xsl:with-param name="max" select="35"/>
      <xsl:with-param name="what" select="concat('the reference of RFF+', $qualifier)"/>
    </xsl:call-template>
    <SG1>
      <RFF>
        <C506 n="1">
          <D1153 n="1"><xsl:value-of select="$qualifier"/></D1153>
          <xsl:if test="string($number)"><D1154 n="2"><xsl:value-of select="$number"/></D1154></xsl:if>
        </C506>
      </RFF>
    </SG1>
  </xsl:template>

  <!-- DTM+137 from IssueDateTime: 203 (204 with seconds) in Ulaanbaatar time. -->
  <xsl:template name="issued">
    <xsl:variable name="v" select="normalize-space($d/dec:IssueDateTime)"/>
    <xsl:if test="string-length($v) != 25 or substring($v, 20) != '+08:00'">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat('IssueDateTime ', $v, ': CUSDEC D96B DTM (2379 formats 203, 204) carries Ulaanbaatar time (+08:00) without fractions only')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:variable name="digits" select="translate(substring($v, 1, 19), '-T:', '')"/>
    <DTM>
      <C507 n="1">
        <D2005 n="1">137</D2005>
        <xsl:choose>
          <xsl:when test="substring($v, 18, 2) = '00'">
            <D2380 n="2"><xsl:value-of select="substring($digits, 1, 12)"/></D2380>
            <D2379 n="3">203</D2379>
          </xsl:when>
          <xsl:otherwise>
            <D2380 n="2"><xsl:value-of select="$digits"/></D2380>
            <D2379 n="3">204</D2379>
          </xsl:otherwise>
        </xsl:choose>
      </C507>
    </DTM>
  </xsl:template>

  <!-- ============================================================ goods items -->

  <xsl:template match="dec:GovernmentAgencyGoodsItem" mode="item">
    <xsl:variable name="c" select="dec:Commodity"/>
    <xsl:if test="count(dec:GovernmentProcedure) &gt; 4">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat('goods item ', dec:SequenceNumeric, ' has more than 4 procedures; CST has room for 4 besides the commodity code')"/>
      </xsl:call-template>
    </xsl:if>
    <SG30>
      <CST>
        <D1496 n="1"><xsl:value-of select="normalize-space(dec:SequenceNumeric)"/></D1496>
        <C246 n="2"><D7361 n="1"><xsl:value-of select="normalize-space($c/dec:Classification/dec:ID)"/></D7361><D1131 n="2">169</D1131><D3055 n="3">1</D3055></C246>
        <xsl:for-each select="dec:GovernmentProcedure">
          <C246 n="{2 + position()}">
            <D7361 n="1"><xsl:value-of select="concat(normalize-space(dec:CurrentCode), normalize-space(dec:PreviousCode))"/></D7361>
            <D1131 n="2">117</D1131>
          </C246>
        </xsl:for-each>
      </CST>
      <xsl:call-template name="ftx">
        <xsl:with-param name="qualifier" select="'AAA'"/>
        <xsl:with-param name="text" select="$c/dec:Description"/>
        <xsl:with-param name="language" select="$c/dec:Description/@languageID"/>
      </xsl:call-template>
      <xsl:for-each select="dec:AdditionalInformation">
        <xsl:call-template name="ftx">
          <xsl:with-param name="qualifier">
            <xsl:choose>
              <xsl:when test="dec:StatementTypeCode"><xsl:value-of select="normalize-space(dec:StatementTypeCode)"/></xsl:when>
              <xsl:otherwise>AAI</xsl:otherwise>
            </xsl:choose>
          </xsl:with-param>
          <xsl:with-param name="code" select="normalize-space(dec:StatementCode)"/>
          <xsl:with-param name="text" select="dec:StatementDescription"/>
          <xsl:with-param name="language" select="dec:StatementDescription/@languageID"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="dec:Origin">
        <xsl:call-template name="loc"><xsl:with-param name="qualifier" select="'27'"/><xsl:with-param name="place" select="normalize-space(dec:CountryCode)"/></xsl:call-template>
      </xsl:for-each>
      <xsl:variable name="m" select="$c/dec:GoodsMeasure"/>
      <xsl:for-each select="$m/dec:GrossMassMeasure">
        <xsl:call-template name="mea"><xsl:with-param name="application" select="'WT'"/><xsl:with-param name="dimension" select="'G'"/><xsl:with-param name="measure" select="."/></xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$m/dec:NetNetWeightMeasure">
        <xsl:call-template name="mea"><xsl:with-param name="application" select="'WT'"/><xsl:with-param name="dimension" select="'AAL'"/><xsl:with-param name="measure" select="."/></xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$m/dec:TariffQuantity">
        <xsl:call-template name="mea">
          <xsl:with-param name="application" select="'AAR'"/>
          <xsl:with-param name="measure" select="."/>
          <xsl:with-param name="unit"><xsl:choose><xsl:when test="@unitCode"><xsl:value-of select="@unitCode"/></xsl:when><xsl:otherwise>H87</xsl:otherwise></xsl:choose></xsl:with-param>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="dec:Packaging">
        <SG31>
          <PAC>
            <xsl:for-each select="dec:QuantityQuantity"><D7224 n="1"><xsl:value-of select="normalize-space(.)"/></D7224></xsl:for-each>
            <C202 n="3"><D7065 n="1"><xsl:value-of select="normalize-space(dec:TypeCode)"/></D7065></C202>
          </PAC>
          <xsl:for-each select="dec:MarksNumbersID">
            <SG32>
              <PCI>
                <C210 n="2">
                  <xsl:call-template name="components">
                    <xsl:with-param name="text" select="normalize-space(.)"/>
                    <xsl:with-param name="max" select="35"/>
                    <xsl:with-param name="slots" select="10"/>
                    <xsl:with-param name="id" select="'7102'"/>
                    <xsl:with-param name="what" select="'Packaging/MarksNumbersID'"/>
                  </xsl:call-template>
                </C210>
              </PCI>
            </SG32>
          </xsl:for-each>
        </SG31>
      </xsl:for-each>
      <xsl:for-each select="dec:StatisticalValueAmount">
        <SG33><xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'123'"/><xsl:with-param name="amount" select="."/></xsl:call-template></SG33>
      </xsl:for-each>
      <xsl:apply-templates select="dec:AdditionalDocument" mode="doc">
        <xsl:with-param name="group" select="'SG37'"/>
      </xsl:apply-templates>
      <xsl:for-each select="dec:CustomsValuation/dec:MethodCode">
        <SG40>
          <xsl:call-template name="gis"><xsl:with-param name="value" select="normalize-space(.)"/><xsl:with-param name="list" select="'127'"/></xsl:call-template>
        </SG40>
      </xsl:for-each>
      <xsl:for-each select="$c/dec:DutyTaxFee">
        <SG41>
          <xsl:call-template name="fit">
            <xsl:with-param name="value" select="normalize-space(dec:SpecificTaxBaseQuantity)"/>
            <xsl:with-param name="max" select="15"/>
            <xsl:with-param name="what" select="'DutyTaxFee/SpecificTaxBaseQuantity (TAX 5286)'"/>
          </xsl:call-template>
          <TAX>
            <D5283 n="1">1</D5283>
            <C241 n="2"><D5153 n="1"><xsl:value-of select="normalize-space(dec:TypeCode)"/></D5153></C241>
            <xsl:for-each select="dec:SpecificTaxBaseQuantity"><D5286 n="4"><xsl:value-of select="normalize-space(.)"/></D5286></xsl:for-each>
            <xsl:if test="dec:TaxRateNumeric or dec:SpecificTaxBaseQuantity/@unitCode">
              <C243 n="5">
                <xsl:for-each select="dec:TaxRateNumeric"><D5278 n="4"><xsl:value-of select="normalize-space(.)"/></D5278></xsl:for-each>
                <xsl:for-each select="dec:SpecificTaxBaseQuantity/@unitCode"><D5273 n="5"><xsl:value-of select="normalize-space(.)"/></D5273></xsl:for-each>
              </C243>
            </xsl:if>
            <xsl:for-each select="dec:DutyRegimeCode"><D5305 n="6"><xsl:value-of select="normalize-space(.)"/></D5305></xsl:for-each>
          </TAX>
          <xsl:for-each select="dec:AdValoremTaxBaseAmount">
            <xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'125'"/><xsl:with-param name="amount" select="."/></xsl:call-template>
          </xsl:for-each>
          <xsl:for-each select="dec:Payment/dec:PaymentAmount">
            <xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'161'"/><xsl:with-param name="amount" select="."/></xsl:call-template>
          </xsl:for-each>
          <xsl:for-each select="dec:Payment/dec:MethodCode">
            <xsl:call-template name="gis"><xsl:with-param name="value" select="normalize-space(.)"/><xsl:with-param name="list" select="'134'"/></xsl:call-template>
          </xsl:for-each>
        </SG41>
      </xsl:for-each>
    </SG30>
  </xsl:template>

  <!-- ============================================================ invoice lines -->

  <!-- The invoice (SG10, DMS: the number of the declaration's commercial
       invoice, 1001 = 380) with one line (SG21) per goods item that has an
       InvoiceLine: LIN 1082 = the goods item number, QTY+47, PRI+INV, MOA+203
       (line item amount: the code of all three directories; D21A has no 38). -->
  <xsl:template match="dec:Declaration" mode="invoice">
    <xsl:variable name="invoice" select="normalize-space(dec:AdditionalDocument[normalize-space(dec:TypeCode) = '380'][1]/dec:ID)"/>
    <SG10>
      <DMS>
        <xsl:if test="$invoice != '' and string-length($invoice) &lt;= 35">
          <D1004 n="1"><xsl:value-of select="$invoice"/></D1004>
        </xsl:if>
        <D1001 n="2">380</D1001>
      </DMS>
      <xsl:for-each select="$gs/dec:GovernmentAgencyGoodsItem[dec:Commodity/dec:InvoiceLine]">
        <xsl:variable name="line" select="dec:Commodity/dec:InvoiceLine"/>
        <xsl:variable name="price" select="$line/dec:UnitPriceAmount"/>
        <!-- PRI carries no currency: cusdec-dec.xsl takes the line amount's
             currency, else the invoice's -->
        <xsl:variable name="currency">
          <xsl:choose>
            <xsl:when test="$line/dec:ItemChargeAmount"><xsl:value-of select="$line/dec:ItemChargeAmount/@currencyID"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="$d/dec:InvoiceAmount/@currencyID"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:if test="$price and string($price/@currencyID) != string($currency)">
          <xsl:call-template name="stop">
            <xsl:with-param name="text" select="concat('goods item ', dec:SequenceNumeric, ': InvoiceLine/UnitPriceAmount is in ', $price/@currencyID, ', but CUSDEC PRI has no currency: it must be the currency of the item amount (MOA+203) or, without one, of the invoice (', $currency, ')')"/>
          </xsl:call-template>
        </xsl:if>
        <xsl:call-template name="fit">
          <xsl:with-param name="value" select="translate(normalize-space($price), '.', '')"/>
          <xsl:with-param name="max" select="15"/>
          <xsl:with-param name="what" select="'InvoiceLine/UnitPriceAmount (PRI 5118)'"/>
        </xsl:call-template>
        <xsl:call-template name="fit">
          <xsl:with-param name="value" select="translate(normalize-space($line/dec:QuantityQuantity), '.', '')"/>
          <xsl:with-param name="max" select="15"/>
          <xsl:with-param name="what" select="'InvoiceLine/QuantityQuantity (QTY 6060)'"/>
        </xsl:call-template>
        <SG21>
          <LIN><D1082 n="1"><xsl:value-of select="normalize-space(dec:SequenceNumeric)"/></D1082></LIN>
          <xsl:for-each select="$line/dec:QuantityQuantity">
            <QTY>
              <C186 n="1">
                <D6063 n="1">47</D6063>
                <D6060 n="2"><xsl:value-of select="normalize-space(.)"/></D6060>
                <xsl:for-each select="@unitCode"><D6411 n="3"><xsl:value-of select="."/></D6411></xsl:for-each>
              </C186>
            </QTY>
          </xsl:for-each>
          <xsl:for-each select="$price">
            <PRI><C509 n="1"><D5125 n="1">INV</D5125><D5118 n="2"><xsl:value-of select="normalize-space(.)"/></D5118></C509></PRI>
          </xsl:for-each>
          <xsl:for-each select="$line/dec:ItemChargeAmount">
            <xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'203'"/><xsl:with-param name="amount" select="."/></xsl:call-template>
          </xsl:for-each>
        </SG21>
      </xsl:for-each>
    </SG10>
  </xsl:template>

  <!-- ============================================================ summary section -->

  <xsl:template match="dec:Declaration" mode="summary">
    <CNT><C270 n="1"><D6069 n="1">5</D6069><D6066 n="2"><xsl:value-of select="normalize-space(dec:GoodsItemQuantity)"/></D6066></C270></CNT>
    <xsl:for-each select="dec:TotalPackageQuantity">
      <CNT><C270 n="1"><D6069 n="1">11</D6069><D6066 n="2"><xsl:value-of select="normalize-space(.)"/></D6066></C270></CNT>
    </xsl:for-each>
    <xsl:for-each select="dec:Payment">
      <SG49>
        <TAX><D5283 n="1">4</D5283></TAX>
        <xsl:for-each select="dec:PaymentAmount">
          <xsl:call-template name="moa"><xsl:with-param name="qualifier" select="'176'"/><xsl:with-param name="amount" select="."/></xsl:call-template>
        </xsl:for-each>
        <xsl:call-template name="gis"><xsl:with-param name="value" select="normalize-space(dec:MethodCode)"/><xsl:with-param name="list" select="'134'"/></xsl:call-template>
      </SG49>
    </xsl:for-each>
    <xsl:for-each select="dec:Authentication/dec:Authentication">
      <xsl:call-template name="fit">
        <xsl:with-param name="value" select="."/>
        <xsl:with-param name="max" select="35"/>
        <xsl:with-param name="what" select="'Authentication (AUT 9280)'"/>
      </xsl:call-template>
      <SG50><AUT><D9280 n="1"><xsl:value-of select="."/></D9280></AUT></SG50>
    </xsl:for-each>
  </xsl:template>

</xsl:stylesheet>
