<?xml version="1.0" encoding="UTF-8"?>
<!--
  trn-govcbr.xsl - TRN, the transit and cargo data of the Mongolian WCO DM 3.7
  profile (xsd/mn/trn.xsd), to a GOVCBR D21A interchange, written as
  EDIFACT-XML (docs/edifact-xml.md) for `khaalga translate` with the option
  to edifact.

  Output: one interchange in UTF-8 (UNOW, syntax version 4, the default
  separators) holding one GOVCBR D:21A:UN message. The control counts (UNT
  0074, UNZ 0036) are written as 0: xml2edi computes them.
  Parameters (strings):
    sender     UNB S002/0004, default KHAALGA (qualifier ZZZ)
    recipient  UNB S003/0010, default PARTNER (qualifier ZZZ)
    reference  UNB/UNZ 0020 interchange control reference, default 1
  (`khaalga translate` passes only `message`, which this sheet ignores: there
  the defaults apply.) UNB S004 is the IssueDateTime as written (XSLT 1.0
  has no clock).

  It is the inverse of govcbr-trn.xsl (edifact-trn-common.xsl): every field
  is written where that sheet reads it, so TRN -> GOVCBR -> TRN gives the
  same TRN but for what is listed under "Not carried" below. The layout
  (there is no Mongolian message implementation guide for GOVCBR; this is
  the profile's):

    header   BGM+950|933|833 (TR|CA|CD) + FunctionalReferenceID + FunctionCode
             DTM+137 IssueDateTime: 203 in +08:00, 204 in +08:00 with
               seconds, 205 (CCYYMMDDHHMM+HHMM) in any other offset
             RFF+ABT ID
    SG1      LOC+118 office of departure, LOC+50 offices of transit (in the
             order of SequenceNumeric), LOC+42 exit, LOC+122 destination,
             LOC+119 guarantee offices, LOC+9 place of loading (3225 ID,
             3224 name)
    SG34     TDT+11 (at border) BorderTransportMeans: C220/8067 mode,
             C001/8179 type, C222 8213 ID : 1131 IdentificationTypeCode :
             3055 ZZZ (the profile's convention: the mutually defined code
             list of the identifier says how it identifies) : 8212 name :
             8453 nationality
    UNS+D, HYN+3 (no hierarchy: the message carries one consignment)
    SG164    CNI+1 the consignment; RFF+ABL, GEI+ZZZ+kind:125 and MOA+166 the
             guarantees (nth of each; with several guarantees a missing part
             is written empty to keep them in step)
      SG165  NAD+CZ, CN, CA (C082/3039 ID, C080/3036 name, C059/3042 line,
             3164 city, 3251 postcode, 3207 country)
      SG167  LOC+49 + SEQ Itinerary
      SG168  DOC TransportContractDocument (1001 type, 1004 number)
      SG182  EQD + SEQ TransportEquipment, SG183 SEL + SEQ Seal. The
             equipment qualifier 8053, which TRN does not carry, is CN for an
             ISO 6346 container number (4 letters, 7 digits), else RR when
             the mode at the border is rail, else TE (trailer)
      SG208  SEQ + SG240 GID per ConsignmentItem: GID 1496 sequence, FTX+AAA
             description (3453 language), MEA+WT+AAB gross mass, TCC C528/7357
             commodity code, SG250 PAC (7224, C202/7065) + PCI (C210/7102
             marks) per Packaging
    UNS+S    CNT+51 GoodsItemQuantity, CNT+11 TotalPackageQuantity, CNT+7
             TotalGrossMassMeasure

  Lengths: names are cut at spaces into C080 components of 70 characters
  (the reader joins them with a space), marks into C210 components of 35. A
  value that does not fit GOVCBR at all stops the sheet (xsl:message
  terminate) instead of writing a wrong interchange: a city name longer than
  35 characters (NAD 3164 an..35), a transport means name longer than 70
  (TDT 8212), a name needing more than five components.

  Not carried (TRN -> GOVCBR -> TRN differs there): languageID of names,
  addresses, the transport means and the place of loading (NAD, LOC and TDT
  have no language; FTX keeps the description's in 3453); a UTC offset
  written Z comes back as +00:00; seconds (and fractions) of an IssueDateTime
  in another offset than +08:00 are dropped (205 has no seconds), fractions
  in +08:00 too; SequenceNumeric of TransitOffice and Packaging (their order
  is kept, they come back numbered 1, 2, ...); spaces inside texts are
  normalized.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns="urn:khaalga:edifact-xml:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:trn="urn:customs.gov.mn:wco:3.7:TRN"
                exclude-result-prefixes="md trn">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="sender" select="'KHAALGA'"/>
  <xsl:param name="recipient" select="'PARTNER'"/>
  <xsl:param name="reference" select="'1'"/>
  <xsl:param name="message" select="'1'"/>

  <xsl:variable name="ns" select="'urn:khaalga:edifact-xml:1'"/>
  <!-- separates the pieces of a cut text (a private-use character) -->
  <xsl:variable name="cut" select="'&#xE000;'"/>
  <xsl:variable name="d" select="/md:MetaData/trn:Declaration"/>
  <xsl:variable name="c" select="$d/trn:Consignment"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="digits" select="'0123456789'"/>

  <!-- ============================================================ helpers -->

  <xsl:template name="stop">
    <xsl:param name="text"/>
    <xsl:variable name="ref" select="normalize-space(($d/trn:FunctionalReferenceID | $d/trn:ID)[1])"/>
    <xsl:message terminate="yes">
      <xsl:text>TRN</xsl:text>
      <xsl:if test="$ref != ''"><xsl:value-of select="concat(' ', $ref)"/></xsl:if>
      <xsl:value-of select="concat(': ', $text)"/>
    </xsl:message>
  </xsl:template>

  <!-- Stops when value is longer than the GOVCBR element. -->
  <xsl:template name="fit">
    <xsl:param name="value"/>
    <xsl:param name="max"/>
    <xsl:param name="what"/>
    <xsl:if test="string-length($value) &gt; $max">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat($what, ' (', $value, ') is longer than GOVCBR D21A allows (', $max, ' characters)')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- A simple data element at position n (nothing when v is empty). -->
  <xsl:template name="de">
    <xsl:param name="id"/>
    <xsl:param name="n"/>
    <xsl:param name="v"/>
    <xsl:if test="string($v) != ''">
      <xsl:element name="D{$id}" namespace="{$ns}">
        <xsl:attribute name="n"><xsl:value-of select="$n"/></xsl:attribute>
        <xsl:value-of select="$v"/>
      </xsl:element>
    </xsl:if>
  </xsl:template>

  <!-- Cuts text into pieces of at most max characters at spaces (a word
       longer than max is cut inside); the pieces are separated by $cut. -->
  <xsl:template name="pack">
    <xsl:param name="rest"/>
    <xsl:param name="max"/>
    <xsl:param name="cur" select="''"/>
    <xsl:choose>
      <xsl:when test="$rest = ''">
        <xsl:value-of select="$cur"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="word">
          <xsl:choose>
            <xsl:when test="contains($rest, ' ')"><xsl:value-of select="substring-before($rest, ' ')"/></xsl:when>
            <xsl:otherwise><xsl:value-of select="$rest"/></xsl:otherwise>
          </xsl:choose>
        </xsl:variable>
        <xsl:variable name="after" select="substring-after($rest, ' ')"/>
        <xsl:choose>
          <xsl:when test="$cur = '' and string-length($word) &gt; $max">
            <xsl:value-of select="concat(substring($word, 1, $max), $cut)"/>
            <xsl:call-template name="pack">
              <xsl:with-param name="rest" select="normalize-space(concat(substring($word, $max + 1), ' ', $after))"/>
              <xsl:with-param name="max" select="$max"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:when test="$cur = ''">
            <xsl:call-template name="pack">
              <xsl:with-param name="rest" select="$after"/>
              <xsl:with-param name="max" select="$max"/>
              <xsl:with-param name="cur" select="$word"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:when test="string-length($cur) + 1 + string-length($word) &lt;= $max">
            <xsl:call-template name="pack">
              <xsl:with-param name="rest" select="$after"/>
              <xsl:with-param name="max" select="$max"/>
              <xsl:with-param name="cur" select="concat($cur, ' ', $word)"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise>
            <xsl:value-of select="concat($cur, $cut)"/>
            <xsl:call-template name="pack">
              <xsl:with-param name="rest" select="$rest"/>
              <xsl:with-param name="max" select="$max"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Writes the pieces of packed (separated by $cut) as components D{id}
       numbered from n; stops beyond last. -->
  <xsl:template name="pieces">
    <xsl:param name="packed"/>
    <xsl:param name="id"/>
    <xsl:param name="n" select="1"/>
    <xsl:param name="last"/>
    <xsl:param name="what"/>
    <xsl:if test="$packed != ''">
      <xsl:if test="$n &gt; $last">
        <xsl:call-template name="stop">
          <xsl:with-param name="text" select="concat($what, ' needs more than ', $last, ' components of ', $id, ' in GOVCBR D21A')"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:call-template name="de">
        <xsl:with-param name="id" select="$id"/>
        <xsl:with-param name="n" select="$n"/>
        <xsl:with-param name="v" select="substring-before($packed, $cut)"/>
      </xsl:call-template>
      <xsl:call-template name="pieces">
        <xsl:with-param name="packed" select="substring-after($packed, $cut)"/>
        <xsl:with-param name="id" select="$id"/>
        <xsl:with-param name="n" select="$n + 1"/>
        <xsl:with-param name="last" select="$last"/>
        <xsl:with-param name="what" select="$what"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Text cut to components D{id} of max characters, in composite C{composite} at position n. -->
  <xsl:template name="text-composite">
    <xsl:param name="composite"/>
    <xsl:param name="n"/>
    <xsl:param name="id"/>
    <xsl:param name="text"/>
    <xsl:param name="max"/>
    <xsl:param name="last"/>
    <xsl:param name="what"/>
    <xsl:variable name="packed">
      <xsl:call-template name="pack">
        <xsl:with-param name="rest" select="normalize-space($text)"/>
        <xsl:with-param name="max" select="$max"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:if test="$packed != ''">
      <xsl:element name="{$composite}" namespace="{$ns}">
        <xsl:attribute name="n"><xsl:value-of select="$n"/></xsl:attribute>
        <xsl:call-template name="pieces">
          <xsl:with-param name="packed" select="concat($packed, $cut)"/>
          <xsl:with-param name="id" select="$id"/>
          <xsl:with-param name="last" select="$last"/>
          <xsl:with-param name="what" select="$what"/>
        </xsl:call-template>
      </xsl:element>
    </xsl:if>
  </xsl:template>

  <!-- LOC+q+code:::name -->
  <xsl:template name="loc">
    <xsl:param name="q"/>
    <xsl:param name="code"/>
    <xsl:param name="name" select="''"/>
    <LOC>
      <D3227 n="1"><xsl:value-of select="$q"/></D3227>
      <xsl:if test="normalize-space($code) != '' or normalize-space($name) != ''">
        <C517 n="2">
          <xsl:call-template name="de"><xsl:with-param name="id" select="'3225'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space($code)"/></xsl:call-template>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'3224'"/><xsl:with-param name="n" select="4"/><xsl:with-param name="v" select="normalize-space($name)"/></xsl:call-template>
        </C517>
      </xsl:if>
    </LOC>
  </xsl:template>

  <!-- SEQ++n -->
  <xsl:template name="seq">
    <xsl:param name="n"/>
    <SEQ><C286 n="2"><D1050 n="1"><xsl:value-of select="normalize-space($n)"/></D1050></C286></SEQ>
  </xsl:template>

  <!-- CNT+q:value[:unit] -->
  <xsl:template name="cnt">
    <xsl:param name="q"/>
    <xsl:param name="v"/>
    <xsl:param name="unit" select="''"/>
    <CNT><C270 n="1">
      <D6069 n="1"><xsl:value-of select="$q"/></D6069>
      <D6066 n="2"><xsl:value-of select="normalize-space($v)"/></D6066>
      <xsl:call-template name="de"><xsl:with-param name="id" select="'6411'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="normalize-space($unit)"/></xsl:call-template>
    </C270></CNT>
  </xsl:template>

  <!-- DTM+137 from an xs:dateTime with offset. -->
  <xsl:template name="dtm">
    <xsl:param name="v"/>
    <xsl:variable name="t" select="normalize-space($v)"/>
    <xsl:variable name="ymd" select="translate(substring($t, 1, 10), '-', '')"/>
    <xsl:variable name="hm" select="concat(substring($t, 12, 2), substring($t, 15, 2))"/>
    <xsl:variable name="sec" select="substring($t, 18, 2)"/>
    <xsl:variable name="zone">
      <xsl:choose>
        <xsl:when test="substring($t, string-length($t)) = 'Z'">+00:00</xsl:when>
        <xsl:otherwise><xsl:value-of select="substring($t, string-length($t) - 5)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <DTM><C507 n="1">
      <D2005 n="1">137</D2005>
      <xsl:choose>
        <xsl:when test="$zone = '+08:00' and $sec = '00'">
          <D2380 n="2"><xsl:value-of select="concat($ymd, $hm)"/></D2380><D2379 n="3">203</D2379>
        </xsl:when>
        <xsl:when test="$zone = '+08:00'">
          <D2380 n="2"><xsl:value-of select="concat($ymd, $hm, $sec)"/></D2380><D2379 n="3">204</D2379>
        </xsl:when>
        <xsl:otherwise>
          <D2380 n="2"><xsl:value-of select="concat($ymd, $hm, substring($zone, 1, 3), substring($zone, 5, 2))"/></D2380><D2379 n="3">205</D2379>
        </xsl:otherwise>
      </xsl:choose>
    </C507></DTM>
  </xsl:template>

  <!-- ============================================================ the interchange -->

  <xsl:template match="/">
    <xsl:if test="not($d)">
      <xsl:message terminate="yes">not a TRN document: md:MetaData/trn:Declaration expected</xsl:message>
    </xsl:if>
    <xsl:variable name="t" select="normalize-space($d/trn:IssueDateTime)"/>
    <edifact>
      <interchange charset="UNOW" version="4">
        <UNB>
          <S001 n="1"><D0001 n="1">UNOW</D0001><D0002 n="2">4</D0002></S001>
          <S002 n="2"><D0004 n="1"><xsl:value-of select="$sender"/></D0004><D0007 n="2">ZZZ</D0007></S002>
          <S003 n="3"><D0010 n="1"><xsl:value-of select="$recipient"/></D0010><D0007 n="2">ZZZ</D0007></S003>
          <S004 n="4">
            <D0017 n="1"><xsl:value-of select="translate(substring($t, 1, 10), '-', '')"/></D0017>
            <D0019 n="2"><xsl:value-of select="concat(substring($t, 12, 2), substring($t, 15, 2))"/></D0019>
          </S004>
          <D0020 n="5"><xsl:value-of select="$reference"/></D0020>
        </UNB>
        <message ref="1" type="GOVCBR" directory="D21A">
          <UNH>
            <D0062 n="1">1</D0062>
            <S009 n="2"><D0065 n="1">GOVCBR</D0065><D0052 n="2">D</D0052><D0054 n="3">21A</D0054><D0051 n="4">UN</D0051></S009>
          </UNH>
          <xsl:apply-templates select="$d" mode="header"/>
          <UNS><D0081 n="1">D</D0081></UNS>
          <HYN><D7173 n="1">3</D7173></HYN>
          <xsl:apply-templates select="$c" mode="consignment"/>
          <UNS><D0081 n="1">S</D0081></UNS>
          <xsl:for-each select="$d/trn:GoodsItemQuantity">
            <xsl:call-template name="cnt"><xsl:with-param name="q" select="'51'"/><xsl:with-param name="v" select="."/></xsl:call-template>
          </xsl:for-each>
          <xsl:for-each select="$d/trn:TotalPackageQuantity">
            <xsl:call-template name="cnt"><xsl:with-param name="q" select="'11'"/><xsl:with-param name="v" select="."/></xsl:call-template>
          </xsl:for-each>
          <xsl:for-each select="$d/trn:TotalGrossMassMeasure">
            <xsl:call-template name="cnt"><xsl:with-param name="q" select="'7'"/><xsl:with-param name="v" select="."/><xsl:with-param name="unit" select="@unitCode"/></xsl:call-template>
          </xsl:for-each>
          <UNT><D0074 n="1">0</D0074><D0062 n="2">1</D0062></UNT>
        </message>
        <UNZ><D0036 n="1">0</D0036><D0020 n="2"><xsl:value-of select="$reference"/></D0020></UNZ>
      </interchange>
    </edifact>
  </xsl:template>

  <!-- ============================================================ header -->

  <xsl:template match="trn:Declaration" mode="header">
    <xsl:variable name="type" select="normalize-space(trn:TypeCode)"/>
    <BGM>
      <C002 n="1">
        <D1001 n="1">
          <xsl:choose>
            <xsl:when test="$type = 'TR'">950</xsl:when>
            <xsl:when test="$type = 'CA'">933</xsl:when>
            <xsl:when test="$type = 'CD'">833</xsl:when>
            <xsl:otherwise>
              <xsl:call-template name="stop"><xsl:with-param name="text" select="concat('TypeCode ', $type, ' has no GOVCBR document name code')"/></xsl:call-template>
            </xsl:otherwise>
          </xsl:choose>
        </D1001>
      </C002>
      <xsl:for-each select="trn:FunctionalReferenceID">
        <C106 n="2"><D1004 n="1"><xsl:value-of select="normalize-space()"/></D1004></C106>
      </xsl:for-each>
      <D1225 n="3"><xsl:value-of select="normalize-space(trn:FunctionCode)"/></D1225>
    </BGM>
    <xsl:call-template name="dtm"><xsl:with-param name="v" select="trn:IssueDateTime"/></xsl:call-template>
    <xsl:for-each select="trn:ID">
      <RFF><C506 n="1"><D1153 n="1">ABT</D1153><D1154 n="2"><xsl:value-of select="normalize-space()"/></D1154></C506></RFF>
    </xsl:for-each>
    <!-- SG1: the places -->
    <SG1><xsl:call-template name="loc"><xsl:with-param name="q" select="'118'"/><xsl:with-param name="code" select="trn:DeclarationOfficeID"/></xsl:call-template></SG1>
    <xsl:for-each select="trn:TransitOffice">
      <xsl:sort select="trn:SequenceNumeric" data-type="number"/>
      <SG1><xsl:call-template name="loc"><xsl:with-param name="q" select="'50'"/><xsl:with-param name="code" select="trn:ID"/></xsl:call-template></SG1>
    </xsl:for-each>
    <xsl:for-each select="trn:ExitOffice">
      <SG1><xsl:call-template name="loc"><xsl:with-param name="q" select="'42'"/><xsl:with-param name="code" select="trn:ID"/></xsl:call-template></SG1>
    </xsl:for-each>
    <xsl:for-each select="trn:DestinationOffice">
      <SG1><xsl:call-template name="loc"><xsl:with-param name="q" select="'122'"/><xsl:with-param name="code" select="trn:ID"/></xsl:call-template></SG1>
    </xsl:for-each>
    <xsl:variable name="several" select="count(trn:ObligationGuarantee) &gt; 1"/>
    <xsl:for-each select="trn:ObligationGuarantee[trn:GuaranteeOffice or $several]">
      <SG1><xsl:call-template name="loc"><xsl:with-param name="q" select="'119'"/><xsl:with-param name="code" select="trn:GuaranteeOffice/trn:ID"/></xsl:call-template></SG1>
    </xsl:for-each>
    <xsl:for-each select="$c/trn:LoadingLocation">
      <xsl:call-template name="fit">
        <xsl:with-param name="value" select="normalize-space(trn:ID)"/>
        <xsl:with-param name="max" select="35"/>
        <xsl:with-param name="what" select="'LoadingLocation/ID'"/>
      </xsl:call-template>
      <SG1><xsl:call-template name="loc"><xsl:with-param name="q" select="'9'"/><xsl:with-param name="code" select="trn:ID"/><xsl:with-param name="name" select="trn:Name"/></xsl:call-template></SG1>
    </xsl:for-each>
    <xsl:apply-templates select="trn:BorderTransportMeans"/>
  </xsl:template>

  <!-- SG34: TDT+11 -->
  <xsl:template match="trn:BorderTransportMeans">
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="normalize-space(trn:Name)"/>
      <xsl:with-param name="max" select="70"/>
      <xsl:with-param name="what" select="'BorderTransportMeans/Name'"/>
    </xsl:call-template>
    <SG34>
      <TDT>
        <D8051 n="1">11</D8051>
        <C220 n="3"><D8067 n="1"><xsl:value-of select="normalize-space(trn:ModeCode)"/></D8067></C220>
        <xsl:for-each select="trn:TypeCode">
          <C001 n="4"><D8179 n="1"><xsl:value-of select="normalize-space()"/></D8179></C001>
        </xsl:for-each>
        <C222 n="8">
          <D8213 n="1"><xsl:value-of select="normalize-space(trn:ID)"/></D8213>
          <xsl:for-each select="trn:IdentificationTypeCode">
            <D1131 n="2"><xsl:value-of select="normalize-space()"/></D1131>
            <D3055 n="3">ZZZ</D3055>
          </xsl:for-each>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'8212'"/><xsl:with-param name="n" select="4"/><xsl:with-param name="v" select="normalize-space(trn:Name)"/></xsl:call-template>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'8453'"/><xsl:with-param name="n" select="5"/><xsl:with-param name="v" select="normalize-space(trn:RegistrationNationalityCode)"/></xsl:call-template>
        </C222>
      </TDT>
    </SG34>
  </xsl:template>

  <!-- ============================================================ consignment -->

  <xsl:template match="trn:Consignment" mode="consignment">
    <xsl:variable name="g" select="$d/trn:ObligationGuarantee"/>
    <xsl:variable name="several" select="count($g) &gt; 1"/>
    <SG164>
      <CNI><D1490 n="1">1</D1490></CNI>
      <xsl:for-each select="$g">
        <RFF><C506 n="1"><D1153 n="1">ABL</D1153><D1154 n="2"><xsl:value-of select="normalize-space(trn:ReferenceID)"/></D1154></C506></RFF>
      </xsl:for-each>
      <xsl:for-each select="$g[trn:SecurityDetailsCode or $several]">
        <GEI>
          <D9649 n="1">ZZZ</D9649>
          <C012 n="2">
            <xsl:call-template name="de"><xsl:with-param name="id" select="'7365'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(trn:SecurityDetailsCode)"/></xsl:call-template>
            <D1131 n="2">125</D1131>
          </C012>
        </GEI>
      </xsl:for-each>
      <xsl:for-each select="$g[trn:AmountAmount or $several]">
        <MOA><C516 n="1">
          <D5025 n="1">166</D5025>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'5004'"/><xsl:with-param name="n" select="2"/><xsl:with-param name="v" select="normalize-space(trn:AmountAmount)"/></xsl:call-template>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'6345'"/><xsl:with-param name="n" select="3"/><xsl:with-param name="v" select="normalize-space(trn:AmountAmount/@currencyID)"/></xsl:call-template>
        </C516></MOA>
      </xsl:for-each>
      <xsl:apply-templates select="trn:Consignor | trn:Consignee | trn:Carrier" mode="party"/>
      <xsl:for-each select="trn:Itinerary">
        <SG167>
          <xsl:call-template name="loc"><xsl:with-param name="q" select="'49'"/><xsl:with-param name="code" select="trn:RoutingCountryCode"/></xsl:call-template>
          <xsl:call-template name="seq"><xsl:with-param name="n" select="trn:SequenceNumeric"/></xsl:call-template>
        </SG167>
      </xsl:for-each>
      <xsl:for-each select="trn:TransportContractDocument">
        <SG168>
          <DOC>
            <C002 n="1"><D1001 n="1"><xsl:value-of select="normalize-space(trn:TypeCode)"/></D1001></C002>
            <C503 n="2"><D1004 n="1"><xsl:value-of select="normalize-space(trn:ID)"/></D1004></C503>
          </DOC>
        </SG168>
      </xsl:for-each>
      <xsl:apply-templates select="trn:TransportEquipment"/>
      <xsl:apply-templates select="trn:ConsignmentItem"/>
    </SG164>
  </xsl:template>

  <!-- SG165 NAD: Consignor CZ, Consignee CN, Carrier CA -->
  <xsl:template match="*" mode="party">
    <xsl:variable name="q">
      <xsl:choose>
        <xsl:when test="self::trn:Consignor">CZ</xsl:when>
        <xsl:when test="self::trn:Consignee">CN</xsl:when>
        <xsl:otherwise>CA</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="a" select="trn:Address"/>
    <xsl:call-template name="fit">
      <xsl:with-param name="value" select="normalize-space($a/trn:CityName)"/>
      <xsl:with-param name="max" select="35"/>
      <xsl:with-param name="what" select="concat(local-name(), '/Address/CityName')"/>
    </xsl:call-template>
    <SG165>
      <NAD>
        <D3035 n="1"><xsl:value-of select="$q"/></D3035>
        <xsl:for-each select="trn:ID">
          <C082 n="2"><D3039 n="1"><xsl:value-of select="normalize-space()"/></D3039></C082>
        </xsl:for-each>
        <xsl:call-template name="text-composite">
          <xsl:with-param name="composite" select="'C080'"/>
          <xsl:with-param name="n" select="4"/>
          <xsl:with-param name="id" select="'3036'"/>
          <xsl:with-param name="text" select="trn:Name"/>
          <xsl:with-param name="max" select="70"/>
          <xsl:with-param name="last" select="5"/>
          <xsl:with-param name="what" select="concat(local-name(), '/Name')"/>
        </xsl:call-template>
        <xsl:for-each select="$a/trn:Line">
          <C059 n="5"><D3042 n="1"><xsl:value-of select="normalize-space()"/></D3042></C059>
        </xsl:for-each>
        <xsl:call-template name="de"><xsl:with-param name="id" select="'3164'"/><xsl:with-param name="n" select="6"/><xsl:with-param name="v" select="normalize-space($a/trn:CityName)"/></xsl:call-template>
        <xsl:call-template name="de"><xsl:with-param name="id" select="'3251'"/><xsl:with-param name="n" select="8"/><xsl:with-param name="v" select="normalize-space($a/trn:PostcodeID)"/></xsl:call-template>
        <xsl:call-template name="de"><xsl:with-param name="id" select="'3207'"/><xsl:with-param name="n" select="9"/><xsl:with-param name="v" select="normalize-space($a/trn:CountryCode)"/></xsl:call-template>
      </NAD>
    </SG165>
  </xsl:template>

  <!-- SG182 EQD + SEQ, SG183 SEL + SEQ -->
  <xsl:template match="trn:TransportEquipment">
    <xsl:variable name="id" select="normalize-space(trn:ID)"/>
    <xsl:variable name="iso6346" select="string-length($id) = 11
        and translate(substring($id, 1, 4), $upper, '') = ''
        and translate(substring($id, 5), $digits, '') = ''"/>
    <SG182>
      <EQD>
        <D8053 n="1">
          <xsl:choose>
            <xsl:when test="$iso6346">CN</xsl:when>
            <xsl:when test="normalize-space($d/trn:BorderTransportMeans/trn:ModeCode) = '2'">RR</xsl:when>
            <xsl:otherwise>TE</xsl:otherwise>
          </xsl:choose>
        </D8053>
        <C237 n="2"><D8260 n="1"><xsl:value-of select="$id"/></D8260></C237>
      </EQD>
      <xsl:call-template name="seq"><xsl:with-param name="n" select="trn:SequenceNumeric"/></xsl:call-template>
      <xsl:for-each select="trn:Seal">
        <SG183>
          <SEL><D9308 n="1"><xsl:value-of select="normalize-space(trn:ID)"/></D9308></SEL>
          <xsl:call-template name="seq"><xsl:with-param name="n" select="trn:SequenceNumeric"/></xsl:call-template>
        </SG183>
      </xsl:for-each>
    </SG182>
  </xsl:template>

  <!-- SG208 SEQ, SG240 GID -->
  <xsl:template match="trn:ConsignmentItem">
    <xsl:variable name="m" select="trn:Commodity"/>
    <SG208>
      <xsl:call-template name="seq"><xsl:with-param name="n" select="trn:SequenceNumeric"/></xsl:call-template>
      <SG240>
        <GID><D1496 n="1"><xsl:value-of select="normalize-space(trn:SequenceNumeric)"/></D1496></GID>
        <FTX>
          <D4451 n="1">AAA</D4451>
          <C108 n="4"><D4440 n="1"><xsl:value-of select="normalize-space($m/trn:Description)"/></D4440></C108>
          <xsl:call-template name="de"><xsl:with-param name="id" select="'3453'"/><xsl:with-param name="n" select="5"/><xsl:with-param name="v" select="translate($m/trn:Description/@languageID, $lower, $upper)"/></xsl:call-template>
        </FTX>
        <xsl:for-each select="$m/trn:GoodsMeasure/trn:GrossMassMeasure">
          <MEA>
            <D6311 n="1">WT</D6311>
            <C502 n="2"><D6313 n="1">AAB</D6313></C502>
            <C174 n="3"><D6411 n="1"><xsl:value-of select="normalize-space(@unitCode)"/></D6411><D6314 n="2"><xsl:value-of select="normalize-space()"/></D6314></C174>
          </MEA>
        </xsl:for-each>
        <xsl:for-each select="$m/trn:Classification/trn:ID">
          <TCC><C528 n="3"><D7357 n="1"><xsl:value-of select="normalize-space()"/></D7357></C528></TCC>
        </xsl:for-each>
        <xsl:for-each select="trn:Packaging">
          <SG250>
            <PAC>
              <xsl:call-template name="de"><xsl:with-param name="id" select="'7224'"/><xsl:with-param name="n" select="1"/><xsl:with-param name="v" select="normalize-space(trn:QuantityQuantity)"/></xsl:call-template>
              <C202 n="3"><D7065 n="1"><xsl:value-of select="normalize-space(trn:TypeCode)"/></D7065></C202>
            </PAC>
            <xsl:for-each select="trn:MarksNumbersID">
              <PCI>
                <xsl:call-template name="text-composite">
                  <xsl:with-param name="composite" select="'C210'"/>
                  <xsl:with-param name="n" select="2"/>
                  <xsl:with-param name="id" select="'7102'"/>
                  <xsl:with-param name="text" select="."/>
                  <xsl:with-param name="max" select="35"/>
                  <xsl:with-param name="last" select="10"/>
                  <xsl:with-param name="what" select="'Packaging/MarksNumbersID'"/>
                </xsl:call-template>
              </PCI>
            </xsl:for-each>
          </SG250>
        </xsl:for-each>
      </SG240>
    </SG208>
  </xsl:template>

</xsl:stylesheet>
