<?xml version="1.0" encoding="UTF-8"?>
<!--
  cusres-res.xsl - CUSRES (directories D96B, D01B and D21A) to the customs
  response RES of the Mongolian WCO DM 3.7 profile (xsd/mn/res.xsd).

  Input: the EDIFACT-XML of an interchange (docs/edifact-xml.md). The string
  parameter `message` (1-based, default '1') picks (//e:message)[number($message)].
  Output: one md:MetaData envelope holding one res:Response.

  The header of CUSRES is the same in the three directories (SG1 NAD, SG3
  RFF, SG4 ERP, SG5 TAX) except for the indicator segment: GIS C529 in D96B
  and D01B, GEI (9649, C012, 7187) in D21A. The sheet finds a group by its
  trigger segment, never by its number. Mapping tables and choices:
  mappings/wco/README-res.md.

  Mapping (CUSRES -> RES; "hdr" = a segment directly under the message):
    BGM 1225             FunctionCode when it is 12, 13, 27, 29 or 47 (the
                         profile's codes are UN/EDIFACT 1225 values); else
                         (9 original, ...) BGM 4343: AP -> 29, RE -> 27
    BGM C106/1004        ID
    hdr DTM+137          IssueDateTime
    SG3 RFF+ABO          FunctionalReferenceID (the originator's, CAIS's,
                         reference of the response)
    hdr FTX (each)       AdditionalInformation: 4451 StatementTypeCode (ZZZ:
                         none), C107/4441 StatementCode, C108/4440 joined with
                         a space StatementDescription (3453 languageID); the
                         k-th hdr DTM+222 (presentation date, latest) is the
                         LimitDateTime of the k-th FTX (an empty DTM+222: none)
    SG4 (ERP RFF ERC FTX), also those nested in SG6: one Error per ERC:
                         ERC C901/9321 ValidationCode, FTX C108 of the group
                         joined with a space Description (3453 languageID),
                         ERP Pointer: C701/1049 DocumentSectionCode (the WCO
                         DM class ID; TDED 1049), C701/1052 SequenceNumeric
                         (goods item), C853/1050 TagID (the WCO DM element ID);
                         an ERP naming a segment (C853 9166 tag, 1050 its
                         position, 1159 = 5: Khaalga's replies) gives TagID
                         the segment tag 9166, see the pointer template
    hdr GIS / GEI        Status: the indicator with 7187 = 379 (the WCO DM ID
                         of Status/NameCode) gives NameCode (7365); the next
                         indicator with 7187 = MN01 (the profile's ID of
                         RiskChannelCode) before the following 379 gives its
                         RiskChannelCode: "GIS+39:ZZZ:ZZZ:379' GIS+O:ZZZ:ZZZ:MN01'"
                         (D21A "GEI+ZZZ+39:ZZZ:ZZZ+379'"). The k-th hdr DTM+7
                         (effective date/time) and DTM+204 (release date,
                         Customs) are EffectiveDateTime and ReleaseDateTime of
                         the k-th Status (an empty DTM: none).
    SG3 RFF+ABE          Declaration/FunctionalReferenceID (the declarant's
                         reference, LRN); C506/4000 (D96B, D01B) or C506/1056
                         (D21A) VersionID
    SG3 RFF+ABT          Declaration/ID (the customs declaration number)
    DTM+148, DTM+334 in the SG3 group of RFF+ABE or RFF+ABT
                         Declaration/AcceptanceDateTime, RejectionDateTime
    hdr LOC+22           Declaration/DeclarationOfficeID (C517/3225)
    SG5 TAX (5283 not 2 or 4, the totals of all types)  DutyTaxFee:
                         C241/5153 TypeCode, C243/5278 TaxRateNumeric,
                         MOA+125 AdValoremTaxBaseAmount, MOA+161 (else MOA+176)
                         Payment/TaxAssessedAmount, MOA+9 PaymentAmount
    SG3 RFF+PQ (+DTM+140) Payment/ReferenceID (+DueDateTime): one RFF+PQ
                         group for every Payment, or one per SG5 TAX group in
                         order

  Provenance: every element written is marked (provenance.xsl) with the
  data element or component its value is read from (a class with its
  segment), for the EDIFACT place of an error found by validation.

  Dates: format 203 and 204 are Ulaanbaatar time and get the offset +08:00
  (Mongolia is UTC+8 all year); 205 and 208 (D01B, D21A) carry their own
  offset; a date alone (102) is the start of that day (00:00:00+08:00), or
  its end (23:59:59+08:00) for the deadlines DueDateTime and LimitDateTime,
  as CAIS writes them.

  Nothing is invented: when RES requires something the message lacks, the
  sheet stops (xsl:message terminate) naming the segment that is missing
  and the RES element that needs it. The risk channel is read only from its
  coded indicator, never from a text such as "CHANNEL GREEN". Not mapped
  (RES has no place for them): the parties (SG1 NAD, CTA, COM), place names
  (LOC C517/3224), other dates of the referenced documents (e.g. DTM+137
  under RFF+ABT), the references of an error (SG4 RFF), TDT, EQD, CNT,
  AUT, the item level of SG6 except its errors, the SG5 GIS and the totals
  of all duty types (TAX+2, TAX+4).
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:e="urn:khaalga:edifact-xml:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:res="urn:customs.gov.mn:wco:3.7:RES"
                exclude-result-prefixes="e md res">

  <!-- marks each output element with its source when khaalga records provenance -->
  <xsl:include href="provenance.xsl"/>

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="message" select="'1'"/>

  <xsl:variable name="msg" select="(//e:message)[number($message)]"/>
  <xsl:variable name="bgm" select="$msg/e:BGM"/>
  <xsl:variable name="ref" select="normalize-space($bgm/e:C106/e:D1004)"/>

  <!-- SG3 references (header groups whose first segment is RFF) -->
  <xsl:variable name="rff" select="$msg/*[*[1][self::e:RFF]]/e:RFF"/>
  <xsl:variable name="lrn" select="$rff[e:C506/e:D1153 = 'ABE'][1]"/>
  <xsl:variable name="mrn" select="$rff[e:C506/e:D1153 = 'ABT'][1]"/>
  <xsl:variable name="payrefs" select="$rff[e:C506/e:D1153 = 'PQ']"/>
  <!-- the dates of the declaration: DTM of the RFF+ABE and RFF+ABT groups -->
  <xsl:variable name="decl-dtm" select="($lrn/.. | $mrn/..)/e:DTM/e:C507"/>

  <!-- indicators: GIS (D96B, D01B) and GEI (D21A) of the header; the marker
       is 7187 (C529/7187 in GIS, 7187 in GEI), the value 7365 -->
  <xsl:variable name="ind" select="$msg/e:GIS | $msg/e:GEI"/>
  <xsl:variable name="status-ind" select="$ind[normalize-space(e:C529/e:D7187 | e:D7187) = '379']"/>
  <xsl:variable name="channel-ind" select="$ind[normalize-space(e:C529/e:D7187 | e:D7187) = 'MN01']"/>

  <!-- SG5 duties, taxes and fees of the declaration -->
  <xsl:variable name="taxes" select="$msg/*[*[1][self::e:TAX]][not(normalize-space(e:TAX/e:D5283) = '2' or normalize-space(e:TAX/e:D5283) = '4')]"/>

  <xsl:variable name="f1225" select="normalize-space($bgm/e:D1225)"/>
  <xsl:variable name="f4343" select="normalize-space($bgm/e:D4343)"/>
  <xsl:variable name="function">
    <xsl:choose>
      <xsl:when test="$f1225 != '' and contains(' 12 13 27 29 47 ', concat(' ', $f1225, ' '))">
        <xsl:value-of select="$f1225"/>
      </xsl:when>
      <xsl:when test="$f4343 = 'AP'">29</xsl:when>
      <xsl:when test="$f4343 = 'RE'">27</xsl:when>
    </xsl:choose>
  </xsl:variable>

  <!-- ============================================================ helpers -->

  <!-- Stops the translation: what RES needs and where CUSRES would carry it. -->
  <xsl:template name="missing">
    <xsl:param name="res"/>
    <xsl:param name="where"/>
    <xsl:message terminate="yes">
      <xsl:value-of select="concat('CUSRES message ', $message)"/>
      <xsl:if test="$ref != ''"><xsl:value-of select="concat(' (', $ref, ')')"/></xsl:if>
      <xsl:value-of select="concat(': ', $where, '; RES requires ', $res)"/>
    </xsl:message>
  </xsl:template>

  <!-- Stops unless value is non-empty. -->
  <xsl:template name="require">
    <xsl:param name="value"/>
    <xsl:param name="res"/>
    <xsl:param name="where"/>
    <xsl:if test="normalize-space($value) = ''">
      <xsl:call-template name="missing">
        <xsl:with-param name="res" select="$res"/>
        <xsl:with-param name="where" select="concat($where, ' is missing')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- The values of nodes joined with a space (C108/4440 lines). -->
  <xsl:template name="join">
    <xsl:param name="parts"/>
    <xsl:for-each select="$parts">
      <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
      <xsl:value-of select="."/>
    </xsl:for-each>
  </xsl:template>

  <!-- languageID from FTX 3453: an ISO 639-1 code (two letters, written in
       lower case); another code (e.g. ISO 639-2 "mon") has no place in RES. -->
  <xsl:template name="language">
    <xsl:param name="code"/>
    <xsl:variable name="c" select="translate(normalize-space($code), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"/>
    <xsl:if test="string-length($c) = 2 and translate($c, 'abcdefghijklmnopqrstuvwxyz', '') = ''">
      <xsl:attribute name="languageID"><xsl:value-of select="$c"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

  <!-- A number as XML Schema writes it: decimal comma to point. -->
  <xsl:template name="num">
    <xsl:param name="v"/>
    <xsl:value-of select="translate(normalize-space($v), ',', '.')"/>
  </xsl:template>

  <!-- An amount from a MOA C516: value 5004, currency 6345 (required). -->
  <xsl:template name="amount">
    <xsl:param name="c516"/>
    <xsl:param name="name"/>
    <xsl:param name="where"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$c516/e:D5004"/>
      <xsl:with-param name="res" select="$name"/>
      <xsl:with-param name="where" select="concat($where, ' C516/5004 (amount)')"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$c516/e:D6345"/>
      <xsl:with-param name="res" select="concat($name, '/@currencyID')"/>
      <xsl:with-param name="where" select="concat($where, ' C516/6345 (currency)')"/>
    </xsl:call-template>
    <xsl:element name="res:{$name}">
      <xsl:apply-templates select="$c516/e:D5004" mode="provenance"/>
      <xsl:attribute name="currencyID"><xsl:value-of select="normalize-space($c516/e:D6345)"/></xsl:attribute>
      <xsl:call-template name="num"><xsl:with-param name="v" select="$c516/e:D5004"/></xsl:call-template>
    </xsl:element>
  </xsl:template>

  <!-- DTM C507 to xs:dateTime. 203 and 204 are Ulaanbaatar time (+08:00),
       205 and 208 carry their offset; 102, a date alone, is the start of the
       day, or its end when end is true (deadlines). -->
  <xsl:template name="datetime">
    <xsl:param name="c507"/>
    <xsl:param name="res"/>
    <xsl:param name="where"/>
    <xsl:param name="end" select="false()"/>
    <xsl:variable name="v" select="normalize-space($c507/e:D2380)"/>
    <xsl:variable name="f" select="normalize-space($c507/e:D2379)"/>
    <xsl:variable name="len" select="string-length($v)"/>
    <xsl:variable name="digits" select="translate(concat(substring($v, 1, 14), substring($v, 16)), '0123456789', '') = ''"/>
    <xsl:variable name="day" select="concat(substring($v, 1, 4), '-', substring($v, 5, 2), '-', substring($v, 7, 2))"/>
    <xsl:variable name="hm" select="concat('T', substring($v, 9, 2), ':', substring($v, 11, 2), ':')"/>
    <xsl:choose>
      <xsl:when test="$f = '102' and $len = 8 and $digits">
        <xsl:value-of select="$day"/>
        <xsl:choose>
          <xsl:when test="$end">T23:59:59+08:00</xsl:when>
          <xsl:otherwise>T00:00:00+08:00</xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:when test="$f = '203' and $len = 12 and $digits">
        <xsl:value-of select="concat($day, $hm, '00+08:00')"/>
      </xsl:when>
      <xsl:when test="$f = '204' and $len = 14 and $digits">
        <xsl:value-of select="concat($day, $hm, substring($v, 13, 2), '+08:00')"/>
      </xsl:when>
      <xsl:when test="$f = '205' and $len = 17 and (substring($v, 13, 1) = '+' or substring($v, 13, 1) = '-')
                      and translate(concat(substring($v, 1, 12), substring($v, 14)), '0123456789', '') = ''">
        <xsl:value-of select="concat($day, $hm, '00', substring($v, 13, 3), ':', substring($v, 16, 2))"/>
      </xsl:when>
      <xsl:when test="$f = '208' and $len = 19 and (substring($v, 15, 1) = '+' or substring($v, 15, 1) = '-') and $digits">
        <xsl:value-of select="concat($day, $hm, substring($v, 13, 2), substring($v, 15, 3), ':', substring($v, 18, 2))"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="missing">
          <xsl:with-param name="res" select="concat($res, ' (a date and time)')"/>
          <xsl:with-param name="where" select="concat($where, ' has &quot;', $v, '&quot; in format &quot;', $f,
                                                      '&quot; (102, 203, 204, 205 or 208 expected)')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- An optional date element: written when the C507 has a value. -->
  <xsl:template name="date-element">
    <xsl:param name="c507"/>
    <xsl:param name="name"/>
    <xsl:param name="where"/>
    <xsl:param name="end" select="false()"/>
    <xsl:if test="normalize-space($c507/e:D2380) != ''">
      <xsl:element name="res:{$name}">
        <xsl:apply-templates select="$c507/e:D2380" mode="provenance"/>
        <xsl:call-template name="datetime">
          <xsl:with-param name="c507" select="$c507"/>
          <xsl:with-param name="res" select="$name"/>
          <xsl:with-param name="where" select="$where"/>
          <xsl:with-param name="end" select="$end"/>
        </xsl:call-template>
      </xsl:element>
    </xsl:if>
  </xsl:template>

  <!-- ============================================================ document -->

  <xsl:template match="/">
    <xsl:if test="not($msg)">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('there is no message ', $message, ' in the interchange')"/>
      </xsl:message>
    </xsl:if>
    <xsl:if test="$msg/@type != 'CUSRES'">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('message ', $message, ' is a ', $msg/@type, ', not a CUSRES')"/>
      </xsl:message>
    </xsl:if>
    <!-- what RES requires at the top, checked before anything else -->
    <xsl:if test="string($function) = ''">
      <xsl:call-template name="missing">
        <xsl:with-param name="res" select="'Response/FunctionCode (12, 13, 27, 29 or 47)'"/>
        <xsl:with-param name="where" select="concat('BGM 1225 is &quot;', $f1225, '&quot;, not a response function (12, 13, 27, 29, 47), and BGM 4343 is &quot;',
                                                    $f4343, '&quot;, neither AP (accepted) nor RE (rejected)')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$ref"/>
      <xsl:with-param name="res" select="'Response/ID'"/>
      <xsl:with-param name="where" select="'BGM C106/1004 (document number)'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$msg/e:DTM/e:C507[e:D2005 = '137']/e:D2380"/>
      <xsl:with-param name="res" select="'Response/IssueDateTime'"/>
      <xsl:with-param name="where" select="'header DTM+137 (document/message date/time)'"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$lrn/e:C506/e:D1154"/>
      <xsl:with-param name="res" select="'Declaration/FunctionalReferenceID'"/>
      <xsl:with-param name="where" select="&quot;SG3 RFF+ABE (the declarant's reference number, LRN)&quot;"/>
    </xsl:call-template>
    <md:MetaData>
      <md:WCODataModelVersionCode>3.7</md:WCODataModelVersionCode>
      <md:WCOTypeName>RES</md:WCOTypeName>
      <md:ResponsibleCountryCode>MN</md:ResponsibleCountryCode>
      <md:ResponsibleAgencyName>General Customs Administration of Mongolia</md:ResponsibleAgencyName>
      <md:AgencyAssignedCustomizationCode>MN</md:AgencyAssignedCustomizationCode>
      <md:AgencyAssignedCustomizationVersionCode>1.0</md:AgencyAssignedCustomizationVersionCode>
      <xsl:apply-templates select="$msg" mode="response"/>
    </md:MetaData>
  </xsl:template>

  <xsl:template match="e:message" mode="response">
    <res:Response>
      <xsl:apply-templates select="$bgm" mode="provenance"/>
      <res:FunctionCode>
        <xsl:choose>
          <xsl:when test="$function = $f1225"><xsl:apply-templates select="$bgm/e:D1225" mode="provenance"/></xsl:when>
          <xsl:otherwise><xsl:apply-templates select="$bgm/e:D4343" mode="provenance"/></xsl:otherwise>
        </xsl:choose>
        <xsl:value-of select="$function"/>
      </res:FunctionCode>
      <xsl:for-each select="$rff[e:C506/e:D1153 = 'ABO'][normalize-space(e:C506/e:D1154) != ''][1]">
        <res:FunctionalReferenceID><xsl:apply-templates select="e:C506/e:D1154" mode="provenance"/><xsl:value-of select="normalize-space(e:C506/e:D1154)"/></res:FunctionalReferenceID>
      </xsl:for-each>
      <res:ID><xsl:apply-templates select="$bgm/e:C106/e:D1004" mode="provenance"/><xsl:value-of select="$ref"/></res:ID>
      <res:IssueDateTime>
        <xsl:apply-templates select="e:DTM/e:C507[e:D2005 = '137'][1]/e:D2380" mode="provenance"/>
        <xsl:call-template name="datetime">
          <xsl:with-param name="c507" select="e:DTM/e:C507[e:D2005 = '137'][1]"/>
          <xsl:with-param name="res" select="'Response/IssueDateTime'"/>
          <xsl:with-param name="where" select="'header DTM+137'"/>
        </xsl:call-template>
      </res:IssueDateTime>
      <xsl:apply-templates select="e:FTX" mode="statement"/>
      <xsl:apply-templates select=".//*[*[1][self::e:ERP]]" mode="errors"/>
      <xsl:if test="$channel-ind and not($status-ind)">
        <xsl:call-template name="missing">
          <xsl:with-param name="res" select="'Status/NameCode for the risk channel (Status/RiskChannelCode)'"/>
          <xsl:with-param name="where" select="'the header indicator of the risk channel (7187 MN01) follows no status indicator (7187 379)'"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:apply-templates select="$status-ind" mode="status"/>
      <xsl:call-template name="declaration"/>
    </res:Response>
  </xsl:template>

  <!-- header FTX: AdditionalInformation -->
  <xsl:template match="e:FTX" mode="statement">
    <xsl:variable name="k" select="count(preceding-sibling::e:FTX) + 1"/>
    <xsl:variable name="type" select="normalize-space(e:D4451)"/>
    <res:AdditionalInformation>
      <xsl:apply-templates select="." mode="provenance"/>
      <xsl:for-each select="e:C107/e:D4441[normalize-space(.) != '']">
        <res:StatementCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space(.)"/></res:StatementCode>
      </xsl:for-each>
      <xsl:if test="e:C108/e:D4440[. != '']">
        <res:StatementDescription>
          <xsl:apply-templates select="e:C108/e:D4440[. != '']" mode="provenance"/>
          <xsl:call-template name="language"><xsl:with-param name="code" select="e:D3453"/></xsl:call-template>
          <xsl:call-template name="join"><xsl:with-param name="parts" select="e:C108/e:D4440"/></xsl:call-template>
        </res:StatementDescription>
      </xsl:if>
      <xsl:call-template name="date-element">
        <xsl:with-param name="c507" select="(../e:DTM/e:C507[e:D2005 = '222'])[$k]"/>
        <xsl:with-param name="name" select="'LimitDateTime'"/>
        <xsl:with-param name="where" select="concat('header DTM+222 number ', $k)"/>
        <xsl:with-param name="end" select="true()"/>
      </xsl:call-template>
      <xsl:if test="$type != '' and $type != 'ZZZ'">
        <res:StatementTypeCode><xsl:apply-templates select="e:D4451" mode="provenance"/><xsl:value-of select="$type"/></res:StatementTypeCode>
      </xsl:if>
    </res:AdditionalInformation>
  </xsl:template>

  <!-- SG4 (and SG6 errors): one Error per ERC -->
  <xsl:template match="*" mode="errors">
    <xsl:variable name="group" select="."/>
    <xsl:variable name="where" select="concat('ERP group ', count(preceding::*[*[1][self::e:ERP]]) + 1, ' (', local-name(), ')')"/>
    <xsl:if test="not(e:ERC/e:C901/e:D9321[normalize-space(.) != ''])">
      <xsl:call-template name="missing">
        <xsl:with-param name="res" select="'Error/ValidationCode'"/>
        <xsl:with-param name="where" select="concat($where, ': ERC C901/9321 (application error code) is missing')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:for-each select="e:ERC/e:C901/e:D9321[normalize-space(.) != '']">
      <res:Error>
        <xsl:apply-templates select="../.." mode="provenance"/>
        <xsl:if test="$group/e:FTX/e:C108/e:D4440[. != '']">
          <res:Description>
            <xsl:apply-templates select="$group/e:FTX/e:C108/e:D4440[. != '']" mode="provenance"/>
            <xsl:call-template name="language"><xsl:with-param name="code" select="($group/e:FTX/e:D3453)[1]"/></xsl:call-template>
            <xsl:call-template name="join"><xsl:with-param name="parts" select="$group/e:FTX/e:C108/e:D4440"/></xsl:call-template>
          </res:Description>
        </xsl:if>
        <res:ValidationCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space(.)"/></res:ValidationCode>
        <xsl:apply-templates select="$group/e:ERP" mode="pointer">
          <xsl:with-param name="where" select="$where"/>
        </xsl:apply-templates>
      </res:Error>
    </xsl:for-each>
  </xsl:template>

  <!-- ERP: the Pointer. An ERP without any value points at nothing.
       C853 is read in one of two ways:
       - 1050 alone: the WCO DM element ID (TagID), as `khaalga validate`'s
         CUSRES and CAIS write it;
       - with 9166 (segment tag) or 1159 (sequence source): a segment of the
         message the response answers, as Khaalga's replies to a translation
         that failed validation write it ("ERP+65A:2+MEA:38:5": segment MEA,
         position 38 in the message with UNH = 1, 1159 = 5 transmission
         sequence). 1050 is then a position, never an element ID; the WCO
         element ID is not in such an ERP. TagID is the segment tag, which
         cannot be taken for a WCO DM element ID (those always have a digit);
         the position, element and component are in the error's FTX+AAO
         text ("(from message 1 segment 38 MEA element 3 component 2)"),
         which becomes the Description. -->
  <xsl:template match="e:ERP" mode="pointer">
    <xsl:param name="where"/>
    <xsl:variable name="section" select="normalize-space(e:C701/e:D1049)"/>
    <xsl:variable name="item" select="normalize-space(e:C701/e:D1052)"/>
    <xsl:variable name="segment-tag" select="normalize-space(e:C853/e:D9166)"/>
    <xsl:variable name="segment-point" select="$segment-tag != '' or normalize-space(e:C853/e:D1159) != ''"/>
    <xsl:variable name="tag-node" select="e:C853/e:D9166[$segment-point] | e:C853/e:D1050[not($segment-point)]"/>
    <xsl:variable name="tag" select="normalize-space($tag-node)"/>
    <xsl:if test="normalize-space(.) != ''">
      <xsl:choose>
        <xsl:when test="$segment-point and $tag = ''">
          <xsl:call-template name="missing">
            <xsl:with-param name="res" select="'Error/Pointer/TagID (the segment tag of a segment position)'"/>
            <xsl:with-param name="where" select="concat($where, ': the ERP gives a segment position (C853/1159 &quot;',
                                                        normalize-space(e:C853/e:D1159), '&quot;) but not the segment tag (C853/9166)')"/>
          </xsl:call-template>
        </xsl:when>
        <xsl:when test="$segment-point">
          <xsl:if test="string-length($tag) != 3 or translate($tag, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') != ''">
            <xsl:call-template name="missing">
              <xsl:with-param name="res" select="'Error/Pointer/TagID (a segment tag: 3 upper-case letters and digits)'"/>
              <xsl:with-param name="where" select="concat($where, ': ERP C853/9166 &quot;', $tag, '&quot; is not a segment tag')"/>
            </xsl:call-template>
          </xsl:if>
        </xsl:when>
        <xsl:when test="$tag = ''">
          <xsl:call-template name="missing">
            <xsl:with-param name="res" select="'Error/Pointer/TagID (the WCO DM element ID)'"/>
            <xsl:with-param name="where" select="concat($where, ': the ERP gives a position but not the element (C853/1050)')"/>
          </xsl:call-template>
        </xsl:when>
        <xsl:when test="string-length($tag) &lt; 3 or string-length($tag) &gt; 4 or translate($tag, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') != ''">
          <xsl:call-template name="missing">
            <xsl:with-param name="res" select="'Error/Pointer/TagID (a WCO DM element ID: 3 or 4 upper-case letters and digits)'"/>
            <xsl:with-param name="where" select="concat($where, ': ERP C853/1050 &quot;', $tag, '&quot; is not a WCO DM element ID')"/>
          </xsl:call-template>
        </xsl:when>
      </xsl:choose>
      <xsl:if test="$item != '' and not(translate($item, '0123456789', '') = '' and string-length($item) &lt;= 5 and number($item) &gt;= 1)">
        <xsl:call-template name="missing">
          <xsl:with-param name="res" select="'Error/Pointer/SequenceNumeric (a goods item number, 1 to 99999)'"/>
          <xsl:with-param name="where" select="concat($where, ': ERP C701/1052 &quot;', $item, '&quot; is not a goods item number')"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:if test="$section != '' and not(string-length($section) = 3 and
                    ((translate(substring($section, 1, 2), '0123456789', '') = '' and translate(substring($section, 3), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = '')
                     or (substring($section, 1, 2) = 'MN' and translate(substring($section, 3), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = '')))">
        <xsl:call-template name="missing">
          <xsl:with-param name="res" select="'Error/Pointer/DocumentSectionCode (a WCO DM class ID such as 42A, or MNA..MNZ)'"/>
          <xsl:with-param name="where" select="concat($where, ': ERP C701/1049 &quot;', $section, '&quot; is not a WCO DM class ID')"/>
        </xsl:call-template>
      </xsl:if>
      <res:Pointer>
        <xsl:apply-templates select="." mode="provenance"/>
        <xsl:if test="$item != ''"><res:SequenceNumeric><xsl:apply-templates select="e:C701/e:D1052" mode="provenance"/><xsl:value-of select="number($item)"/></res:SequenceNumeric></xsl:if>
        <xsl:if test="$section != ''"><res:DocumentSectionCode><xsl:apply-templates select="e:C701/e:D1049" mode="provenance"/><xsl:value-of select="$section"/></res:DocumentSectionCode></xsl:if>
        <res:TagID><xsl:apply-templates select="$tag-node" mode="provenance"/><xsl:value-of select="$tag"/></res:TagID>
      </res:Pointer>
    </xsl:if>
  </xsl:template>

  <!-- a status indicator (7187 379): Status -->
  <xsl:template match="*" mode="status">
    <xsl:variable name="k" select="count(preceding-sibling::*[self::e:GIS or self::e:GEI][normalize-space(e:C529/e:D7187 | e:D7187) = '379']) + 1"/>
    <xsl:variable name="channels" select="$channel-ind[count(preceding-sibling::*[self::e:GIS or self::e:GEI][normalize-space(e:C529/e:D7187 | e:D7187) = '379']) = $k]"/>
    <xsl:if test="count($channels) &gt; 1">
      <xsl:call-template name="missing">
        <xsl:with-param name="res" select="'one Status/RiskChannelCode per Status'"/>
        <xsl:with-param name="where" select="concat('status indicator number ', $k, ' is followed by ', count($channels), ' risk channel indicators (7187 MN01)')"/>
      </xsl:call-template>
    </xsl:if>
    <res:Status>
      <xsl:apply-templates select="." mode="provenance"/>
      <xsl:call-template name="date-element">
        <xsl:with-param name="c507" select="(../e:DTM/e:C507[e:D2005 = '7'])[$k]"/>
        <xsl:with-param name="name" select="'EffectiveDateTime'"/>
        <xsl:with-param name="where" select="concat('header DTM+7 number ', $k)"/>
      </xsl:call-template>
      <res:NameCode><xsl:apply-templates select="e:C529/e:D7365 | e:C012/e:D7365" mode="provenance"/><xsl:value-of select="normalize-space(e:C529/e:D7365 | e:C012/e:D7365)"/></res:NameCode>
      <xsl:call-template name="date-element">
        <xsl:with-param name="c507" select="(../e:DTM/e:C507[e:D2005 = '204'])[$k]"/>
        <xsl:with-param name="name" select="'ReleaseDateTime'"/>
        <xsl:with-param name="where" select="concat('header DTM+204 number ', $k)"/>
      </xsl:call-template>
      <xsl:for-each select="$channels">
        <res:RiskChannelCode><xsl:apply-templates select="e:C529/e:D7365 | e:C012/e:D7365" mode="provenance"/><xsl:value-of select="normalize-space(e:C529/e:D7365 | e:C012/e:D7365)"/></res:RiskChannelCode>
      </xsl:for-each>
    </res:Status>
  </xsl:template>

  <!-- ============================================================ declaration -->

  <xsl:template name="declaration">
    <xsl:variable name="ntax" select="count($taxes)"/>
    <xsl:variable name="npq" select="count($payrefs)"/>
    <xsl:if test="$npq &gt; 1 and $npq != $ntax">
      <xsl:call-template name="missing">
        <xsl:with-param name="res" select="'one payment reference per Payment'"/>
        <xsl:with-param name="where" select="concat('there are ', $npq, ' SG3 RFF+PQ for ', $ntax,
                                                    ' SG5 TAX groups: neither one for all nor one per TAX group')"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:if test="$payrefs[normalize-space(e:C506/e:D1154) != '' or ../e:DTM/e:C507[e:D2005 = '140']]
                  and not($taxes[e:MOA/e:C516[e:D5025 = '161' or e:D5025 = '176']])">
      <xsl:call-template name="missing">
        <xsl:with-param name="res" select="'Payment/TaxAssessedAmount (a payment reference or due date belongs to a Payment)'"/>
        <xsl:with-param name="where" select="'SG3 RFF+PQ gives a payment but no SG5 TAX group has MOA+161 (duty/tax/fee amount)'"/>
      </xsl:call-template>
    </xsl:if>
    <res:Declaration>
      <xsl:apply-templates select="$lrn" mode="provenance"/>
      <xsl:call-template name="date-element">
        <xsl:with-param name="c507" select="$decl-dtm[e:D2005 = '148'][1]"/>
        <xsl:with-param name="name" select="'AcceptanceDateTime'"/>
        <xsl:with-param name="where" select="'DTM+148 under SG3 RFF+ABE or RFF+ABT'"/>
      </xsl:call-template>
      <xsl:for-each select="$msg/e:LOC[normalize-space(e:D3227) = '22'][normalize-space(e:C517/e:D3225) != ''][1]">
        <res:DeclarationOfficeID><xsl:apply-templates select="e:C517/e:D3225" mode="provenance"/><xsl:value-of select="normalize-space(e:C517/e:D3225)"/></res:DeclarationOfficeID>
      </xsl:for-each>
      <res:FunctionalReferenceID><xsl:apply-templates select="$lrn/e:C506/e:D1154" mode="provenance"/><xsl:value-of select="normalize-space($lrn/e:C506/e:D1154)"/></res:FunctionalReferenceID>
      <xsl:for-each select="$mrn[normalize-space(e:C506/e:D1154) != '']">
        <res:ID><xsl:apply-templates select="e:C506/e:D1154" mode="provenance"/><xsl:value-of select="normalize-space(e:C506/e:D1154)"/></res:ID>
      </xsl:for-each>
      <xsl:call-template name="date-element">
        <xsl:with-param name="c507" select="$decl-dtm[e:D2005 = '334'][1]"/>
        <xsl:with-param name="name" select="'RejectionDateTime'"/>
        <xsl:with-param name="where" select="'DTM+334 under SG3 RFF+ABE or RFF+ABT'"/>
      </xsl:call-template>
      <xsl:for-each select="($lrn/e:C506/e:D4000 | $lrn/e:C506/e:D1056)[normalize-space(.) != ''][1]">
        <res:VersionID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space(.)"/></res:VersionID>
      </xsl:for-each>
      <xsl:apply-templates select="$taxes" mode="duty"/>
    </res:Declaration>
  </xsl:template>

  <!-- SG5 TAX group: DutyTaxFee -->
  <xsl:template match="*" mode="duty">
    <xsl:variable name="k" select="position()"/>
    <xsl:variable name="where" select="concat('SG5 number ', $k, ' (TAX+', normalize-space(e:TAX/e:D5283), ')')"/>
    <xsl:variable name="tax" select="e:TAX"/>
    <xsl:variable name="assessed" select="(e:MOA/e:C516[e:D5025 = '161'] | e:MOA/e:C516[e:D5025 = '176'][not(../../e:MOA/e:C516[e:D5025 = '161'])])[1]"/>
    <xsl:variable name="paid" select="e:MOA/e:C516[e:D5025 = '9'][1]"/>
    <!-- the payment reference: the only RFF+PQ, or the k-th -->
    <xsl:variable name="pq" select="$payrefs[count($payrefs) = 1 or position() = $k]"/>
    <xsl:variable name="payref" select="normalize-space($pq/e:C506/e:D1154)"/>
    <xsl:variable name="due" select="$pq/../e:DTM/e:C507[e:D2005 = '140'][normalize-space(e:D2380) != ''][1]"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$tax/e:C241/e:D5153"/>
      <xsl:with-param name="res" select="'DutyTaxFee/TypeCode'"/>
      <xsl:with-param name="where" select="concat($where, ' C241/5153 (duty/tax/fee type)')"/>
    </xsl:call-template>
    <xsl:if test="not($assessed) and ($paid or (count($payrefs) &gt; 1 and ($payref != '' or $due)))">
      <xsl:call-template name="missing">
        <xsl:with-param name="res" select="'Payment/TaxAssessedAmount'"/>
        <xsl:with-param name="where" select="concat($where, ': MOA+161 (duty/tax/fee amount) is missing')"/>
      </xsl:call-template>
    </xsl:if>
    <res:DutyTaxFee>
      <xsl:apply-templates select="$tax" mode="provenance"/>
      <xsl:for-each select="e:MOA/e:C516[e:D5025 = '125'][1]">
        <xsl:call-template name="amount">
          <xsl:with-param name="c516" select="."/>
          <xsl:with-param name="name" select="'AdValoremTaxBaseAmount'"/>
          <xsl:with-param name="where" select="concat($where, ' MOA+125')"/>
        </xsl:call-template>
      </xsl:for-each>
      <xsl:for-each select="$tax/e:C243/e:D5278[normalize-space(.) != '']">
        <res:TaxRateNumeric><xsl:apply-templates select="." mode="provenance"/><xsl:call-template name="num"><xsl:with-param name="v" select="."/></xsl:call-template></res:TaxRateNumeric>
      </xsl:for-each>
      <res:TypeCode><xsl:apply-templates select="$tax/e:C241/e:D5153" mode="provenance"/><xsl:value-of select="normalize-space($tax/e:C241/e:D5153)"/></res:TypeCode>
      <xsl:if test="$assessed">
        <res:Payment>
          <xsl:apply-templates select="$assessed/.." mode="provenance"/>
          <xsl:call-template name="date-element">
            <xsl:with-param name="c507" select="$due"/>
            <xsl:with-param name="name" select="'DueDateTime'"/>
            <xsl:with-param name="where" select="'DTM+140 under SG3 RFF+PQ'"/>
            <xsl:with-param name="end" select="true()"/>
          </xsl:call-template>
          <xsl:for-each select="$paid">
            <xsl:call-template name="amount">
              <xsl:with-param name="c516" select="."/>
              <xsl:with-param name="name" select="'PaymentAmount'"/>
              <xsl:with-param name="where" select="concat($where, ' MOA+9')"/>
            </xsl:call-template>
          </xsl:for-each>
          <xsl:if test="$payref != ''">
            <res:ReferenceID><xsl:apply-templates select="$pq/e:C506/e:D1154" mode="provenance"/><xsl:value-of select="$payref"/></res:ReferenceID>
          </xsl:if>
          <xsl:call-template name="amount">
            <xsl:with-param name="c516" select="$assessed"/>
            <xsl:with-param name="name" select="'TaxAssessedAmount'"/>
            <xsl:with-param name="where" select="concat($where, ' MOA+', $assessed/e:D5025)"/>
          </xsl:call-template>
        </res:Payment>
      </xsl:if>
    </res:DutyTaxFee>
  </xsl:template>

</xsl:stylesheet>
