<?xml version="1.0" encoding="UTF-8"?>
<!--
  edifact-trn-common.xsl - the part shared by cuscar-trn.xsl, iftmin-trn.xsl
  and govcbr-trn.xsl: it writes the TRN document (xsd/mn/trn.xsd, transit and
  cargo data) from segments that the including sheet has selected. It is not
  a sheet of its own: it uses the variables below, which the including sheet
  defines (xsl:include), and is not registered in the profile.

  The including sheet defines, for the message (//e:message)[number($message)]:
    $cons       the consignment level: the group(s) holding one consignment
                (more than one stops the sheet: TRN carries one consignment)
    $nads       NAD segments where the parties CZ, CN and CA are looked for
    $locs       LOC segments where offices, route and place of loading are
    $rffs       RFF segments (MRN, guarantee, transport documents)
    $moas       MOA segments (guarantee amount)
    $inds       indicator segments (GIS in D96B/D01B, GEI in D21A)
    $tdts       TDT segments (the means of transport)
    $docs       DOC segments that are transport documents
    $cnts       CNT segments (control totals)
    $equipment  groups whose trigger is EQD
    $items      groups whose trigger is GID (goods items)
  and nothing else: this file never names a segment group. The mapping table
  is in mappings/wco/README-trn-lpco.md.

  Nothing is invented. When the message lacks something TRN requires, the
  sheet stops (xsl:message terminate="yes") naming the segment, its qualifier
  and the TRN element that needs it. When the message has something TRN can
  hold only once (a consignor, the office of departure ...) in two different
  versions, it stops too, rather than choose.

  Provenance: it includes provenance.xsl and marks every element it writes
  with the input node its value comes from (the data element or component;
  a counted SequenceNumeric with the segment it counts; a class with its
  segment), so that `khaalga translate` with validation names the EDIFACT place
  of an error (docs/national-profile.md, "Where an error came from").
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:e="urn:khaalga:edifact-xml:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:trn="urn:customs.gov.mn:wco:3.7:TRN"
                exclude-result-prefixes="e md trn">

  <!-- marks each output element with its source when khaalga records provenance -->
  <xsl:include href="provenance.xsl"/>

  <xsl:param name="message" select="'1'"/>

  <xsl:variable name="msg" select="(//e:message)[number($message)]"/>
  <xsl:variable name="dir" select="string($msg/@directory)"/>
  <xsl:variable name="trn-ns" select="'urn:customs.gov.mn:wco:3.7:TRN'"/>
  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>

  <!-- ============================================================ helpers -->

  <!-- Stops the translation with text, prefixed by the message. -->
  <xsl:template name="stop">
    <xsl:param name="text"/>
    <xsl:variable name="ref" select="string($msg/e:BGM/e:C106/e:D1004)"/>
    <xsl:message terminate="yes">
      <xsl:value-of select="concat($msg/@type, ' message ', $message)"/>
      <xsl:if test="$ref != ''"><xsl:value-of select="concat(' (', $ref, ')')"/></xsl:if>
      <xsl:value-of select="concat(': ', $text)"/>
    </xsl:message>
  </xsl:template>

  <!-- Stops: where (segment, qualifier, element) is missing, TRN needs trn. -->
  <xsl:template name="missing">
    <xsl:param name="where"/>
    <xsl:param name="trn"/>
    <xsl:call-template name="stop">
      <xsl:with-param name="text" select="concat($where, ' is missing; TRN requires ', $trn)"/>
    </xsl:call-template>
  </xsl:template>

  <!-- Stops unless value is non-empty. -->
  <xsl:template name="require">
    <xsl:param name="value"/>
    <xsl:param name="where"/>
    <xsl:param name="trn"/>
    <xsl:if test="normalize-space($value) = ''">
      <xsl:call-template name="missing">
        <xsl:with-param name="where" select="$where"/>
        <xsl:with-param name="trn" select="$trn"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- Stops when the segments of set (what TRN holds once) are not all the
       same. Segments are compared by their values. -->
  <xsl:template name="single">
    <xsl:param name="set"/>
    <xsl:param name="what"/>
    <xsl:param name="trn"/>
    <xsl:param name="at" select="''"/>
    <xsl:if test="$set[string(.) != string($set[1])]">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat($at, count($set), ' different ', $what, '; TRN has one ', $trn)"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <!-- A number as XML Schema writes it: decimal comma to point. -->
  <xsl:template name="num">
    <xsl:param name="v"/>
    <xsl:value-of select="translate(normalize-space($v), ',', '.')"/>
  </xsl:template>

  <!-- The components of a composite joined by sep. -->
  <xsl:template name="join">
    <xsl:param name="parts"/>
    <xsl:param name="sep" select="' '"/>
    <xsl:for-each select="$parts">
      <xsl:if test="position() &gt; 1"><xsl:value-of select="$sep"/></xsl:if>
      <xsl:value-of select="."/>
    </xsl:for-each>
  </xsl:template>

  <!-- languageID from a 3453 language code: ISO 639-1, lower case. -->
  <xsl:template name="language">
    <xsl:param name="code"/>
    <xsl:variable name="l" select="translate(normalize-space($code), $upper, $lower)"/>
    <xsl:if test="string-length($l) = 2 and translate($l, $lower, '') = ''">
      <xsl:attribute name="languageID"><xsl:value-of select="$l"/></xsl:attribute>
    </xsl:if>
  </xsl:template>

  <!-- A date-time from DTM C507: 203 and 204 are Ulaanbaatar time (+08:00,
       Mongolia has no daylight saving time), 205 carries its UTC offset. -->
  <xsl:template name="datetime">
    <xsl:param name="c507"/>
    <xsl:param name="where"/>
    <xsl:param name="trn"/>
    <xsl:variable name="v" select="string($c507/e:D2380)"/>
    <xsl:variable name="f" select="string($c507/e:D2379)"/>
    <xsl:variable name="day" select="concat(substring($v, 1, 4), '-', substring($v, 5, 2), '-', substring($v, 7, 2),
                                            'T', substring($v, 9, 2), ':', substring($v, 11, 2), ':')"/>
    <xsl:choose>
      <xsl:when test="$f = '203' and string-length($v) = 12">
        <xsl:value-of select="concat($day, '00+08:00')"/>
      </xsl:when>
      <xsl:when test="$f = '204' and string-length($v) = 14">
        <xsl:value-of select="concat($day, substring($v, 13, 2), '+08:00')"/>
      </xsl:when>
      <xsl:when test="$f = '205' and string-length($v) = 17">
        <xsl:value-of select="concat($day, '00', substring($v, 13, 3), ':', substring($v, 16, 2))"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="stop">
          <xsl:with-param name="text" select="concat($where, ' is ', $v, ' in format ', $f,
                                              ' (203, 204 or 205 expected); TRN requires ', $trn, ' (a date and time)')"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- A measure from MEA C174 (value 6314, unit 6411 required), written as
       the TRN element named element. -->
  <xsl:template name="measure">
    <xsl:param name="mea"/>
    <xsl:param name="element"/>
    <xsl:param name="trn"/>
    <xsl:param name="where"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$mea/e:C174/e:D6314"/>
      <xsl:with-param name="where" select="concat($where, ' C174/6314 (value)')"/>
      <xsl:with-param name="trn" select="$trn"/>
    </xsl:call-template>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$mea/e:C174/e:D6411"/>
      <xsl:with-param name="where" select="concat($where, ' C174/6411 (unit)')"/>
      <xsl:with-param name="trn" select="concat($trn, '/@unitCode')"/>
    </xsl:call-template>
    <xsl:element name="trn:{$element}" namespace="{$trn-ns}">
      <xsl:apply-templates select="$mea/e:C174/e:D6314" mode="provenance"/>
      <xsl:attribute name="unitCode"><xsl:value-of select="normalize-space($mea/e:C174/e:D6411)"/></xsl:attribute>
      <xsl:call-template name="num"><xsl:with-param name="v" select="$mea/e:C174/e:D6314"/></xsl:call-template>
    </xsl:element>
  </xsl:template>

  <!-- The code of a LOC (C517/3225), required; called first thing inside
       the element it fills, which it marks with that C517/3225. -->
  <xsl:template name="loc-code">
    <xsl:param name="loc"/>
    <xsl:param name="trn"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$loc/e:C517/e:D3225"/>
      <xsl:with-param name="where" select="concat('LOC+', $loc/e:D3227, ' C517/3225 (location code)')"/>
      <xsl:with-param name="trn" select="$trn"/>
    </xsl:call-template>
    <xsl:apply-templates select="$loc/e:C517/e:D3225" mode="provenance"/>
    <xsl:value-of select="normalize-space($loc/e:C517/e:D3225)"/>
  </xsl:template>

  <!-- A sequence number: the SEQ of the group that loc or seg triggers, else pos;
       called first thing inside SequenceNumeric, which it marks with that
       SEQ C286/1050, else with seg (the occurrence counted). -->
  <xsl:template name="sequence">
    <xsl:param name="seg"/>
    <xsl:param name="pos"/>
    <xsl:variable name="seq" select="$seg/../e:SEQ[generate-id($seg/../*[1]) = generate-id($seg)]/e:C286/e:D1050"/>
    <xsl:choose>
      <xsl:when test="normalize-space($seq) != ''">
        <xsl:apply-templates select="$seq" mode="provenance"/>
        <xsl:value-of select="normalize-space($seq)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:apply-templates select="$seg" mode="provenance"/>
        <xsl:value-of select="$pos"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ============================================================ the document -->

  <xsl:template match="/">
    <md:MetaData>
      <md:WCODataModelVersionCode>3.7</md:WCODataModelVersionCode>
      <md:WCOTypeName>TRN</md:WCOTypeName>
      <md:ResponsibleCountryCode>MN</md:ResponsibleCountryCode>
      <md:ResponsibleAgencyName>General Customs Administration of Mongolia</md:ResponsibleAgencyName>
      <md:AgencyAssignedCustomizationCode>MN</md:AgencyAssignedCustomizationCode>
      <md:AgencyAssignedCustomizationVersionCode>1.0</md:AgencyAssignedCustomizationVersionCode>
      <xsl:if test="not($msg)">
        <xsl:message terminate="yes"><xsl:value-of select="concat('there is no message ', $message)"/></xsl:message>
      </xsl:if>
      <xsl:apply-templates select="$msg" mode="trn"/>
    </md:MetaData>
  </xsl:template>

  <xsl:template match="e:message" mode="trn">
    <xsl:variable name="bgm" select="e:BGM"/>
    <xsl:if test="count($cons) &gt; 1">
      <xsl:call-template name="stop">
        <xsl:with-param name="text" select="concat(count($cons), ' consignments; TRN carries one (Declaration/Consignment)')"/>
      </xsl:call-template>
    </xsl:if>
    <trn:Declaration>
      <xsl:apply-templates select="$bgm" mode="provenance"/>
      <!-- FunctionCode: BGM 1225 -->
      <xsl:variable name="function" select="normalize-space($bgm/e:D1225)"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$function"/>
        <xsl:with-param name="where" select="'BGM 1225 (message function)'"/>
        <xsl:with-param name="trn" select="'Declaration/FunctionCode'"/>
      </xsl:call-template>
      <xsl:if test="$function != '9' and $function != '4' and $function != '1'">
        <xsl:call-template name="stop">
          <xsl:with-param name="text" select="concat('BGM 1225 = ', $function,
                                              ' has no TRN FunctionCode (9 original, 4 change, 1 cancellation)')"/>
        </xsl:call-template>
      </xsl:if>
      <trn:FunctionCode><xsl:apply-templates select="$bgm/e:D1225" mode="provenance"/><xsl:value-of select="$function"/></trn:FunctionCode>
      <!-- FunctionalReferenceID: BGM C106/1004 -->
      <xsl:for-each select="$bgm/e:C106/e:D1004[normalize-space() != '']">
        <trn:FunctionalReferenceID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:FunctionalReferenceID>
      </xsl:for-each>
      <!-- ID: RFF+ABT -->
      <xsl:variable name="mrn" select="$rffs[e:C506/e:D1153 = 'ABT']"/>
      <xsl:call-template name="single">
        <xsl:with-param name="set" select="$mrn"/>
        <xsl:with-param name="what" select="'RFF+ABT (customs declaration number)'"/>
        <xsl:with-param name="trn" select="'Declaration/ID'"/>
      </xsl:call-template>
      <xsl:for-each select="$mrn[1]/e:C506/e:D1154[normalize-space() != '']">
        <trn:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:ID>
      </xsl:for-each>
      <!-- TypeCode: BGM C002/1001 -->
      <xsl:variable name="doc" select="normalize-space($bgm/e:C002/e:D1001)"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$doc"/>
        <xsl:with-param name="where" select="'BGM C002/1001 (document name code)'"/>
        <xsl:with-param name="trn" select="'Declaration/TypeCode'"/>
      </xsl:call-template>
      <trn:TypeCode>
        <xsl:apply-templates select="$bgm/e:C002/e:D1001" mode="provenance"/>
        <xsl:choose>
          <xsl:when test="$doc = '950'">TR</xsl:when>
          <xsl:when test="$doc = '933'">CA</xsl:when>
          <xsl:when test="$doc = '833'">CD</xsl:when>
          <xsl:otherwise>
            <xsl:call-template name="stop">
              <xsl:with-param name="text" select="concat('BGM C002/1001 = ', $doc, ' is not a kind of TRN message',
                                                  ' (950 transit TR, 933 cargo arrival CA, 833 cargo departure CD);',
                                                  ' TRN requires Declaration/TypeCode')"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </trn:TypeCode>
      <!-- IssueDateTime: DTM+137 of the header -->
      <xsl:variable name="issued" select="e:DTM[e:C507/e:D2005 = '137']"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$issued/e:C507/e:D2380"/>
        <xsl:with-param name="where" select="'DTM+137 (document date) C507/2380'"/>
        <xsl:with-param name="trn" select="'Declaration/IssueDateTime'"/>
      </xsl:call-template>
      <xsl:call-template name="single">
        <xsl:with-param name="set" select="$issued"/>
        <xsl:with-param name="what" select="'DTM+137'"/>
        <xsl:with-param name="trn" select="'Declaration/IssueDateTime'"/>
      </xsl:call-template>
      <trn:IssueDateTime>
        <xsl:apply-templates select="$issued[1]/e:C507/e:D2380" mode="provenance"/>
        <xsl:call-template name="datetime">
          <xsl:with-param name="c507" select="$issued[1]/e:C507"/>
          <xsl:with-param name="where" select="'DTM+137'"/>
          <xsl:with-param name="trn" select="'Declaration/IssueDateTime'"/>
        </xsl:call-template>
      </trn:IssueDateTime>
      <!-- DeclarationOfficeID: LOC+118 -->
      <xsl:variable name="departure" select="$locs[e:D3227 = '118']"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$departure/e:D3227"/>
        <xsl:with-param name="where" select="'LOC+118 (customs office of departure)'"/>
        <xsl:with-param name="trn" select="'Declaration/DeclarationOfficeID'"/>
      </xsl:call-template>
      <xsl:call-template name="single">
        <xsl:with-param name="set" select="$departure"/>
        <xsl:with-param name="what" select="'LOC+118 (customs office of departure)'"/>
        <xsl:with-param name="trn" select="'Declaration/DeclarationOfficeID'"/>
      </xsl:call-template>
      <trn:DeclarationOfficeID>
        <xsl:call-template name="loc-code">
          <xsl:with-param name="loc" select="$departure[1]"/>
          <xsl:with-param name="trn" select="'Declaration/DeclarationOfficeID'"/>
        </xsl:call-template>
      </trn:DeclarationOfficeID>
      <!-- totals: CNT+5 or 51, CNT+11, CNT+7 -->
      <xsl:call-template name="count">
        <xsl:with-param name="codes" select="'|5|51|'"/>
        <xsl:with-param name="what" select="'CNT+5|51 (number of goods items)'"/>
        <xsl:with-param name="name" select="'GoodsItemQuantity'"/>
      </xsl:call-template>
      <xsl:call-template name="count">
        <xsl:with-param name="codes" select="'|11|'"/>
        <xsl:with-param name="what" select="'CNT+11 (number of packages)'"/>
        <xsl:with-param name="name" select="'TotalPackageQuantity'"/>
      </xsl:call-template>
      <xsl:variable name="gross" select="$cnts[e:C270/e:D6069 = '7']"/>
      <xsl:call-template name="single">
        <xsl:with-param name="set" select="$gross"/>
        <xsl:with-param name="what" select="'CNT+7 (total gross weight)'"/>
        <xsl:with-param name="trn" select="'Declaration/TotalGrossMassMeasure'"/>
      </xsl:call-template>
      <xsl:for-each select="$gross[1]/e:C270">
        <xsl:call-template name="require">
          <xsl:with-param name="value" select="e:D6411"/>
          <xsl:with-param name="where" select="'CNT+7 C270/6411 (unit)'"/>
          <xsl:with-param name="trn" select="'Declaration/TotalGrossMassMeasure/@unitCode'"/>
        </xsl:call-template>
        <trn:TotalGrossMassMeasure unitCode="{normalize-space(e:D6411)}">
          <xsl:apply-templates select="e:D6066" mode="provenance"/>
          <xsl:call-template name="num"><xsl:with-param name="v" select="e:D6066"/></xsl:call-template>
        </trn:TotalGrossMassMeasure>
      </xsl:for-each>
      <xsl:call-template name="border-transport"/>
      <xsl:call-template name="consignment"/>
      <!-- DestinationOffice: LOC+122 (else LOC+45) -->
      <xsl:variable name="destination" select="$locs[e:D3227 = '122' or e:D3227 = '45']"/>
      <xsl:call-template name="single">
        <xsl:with-param name="set" select="$destination"/>
        <xsl:with-param name="what" select="'LOC+122|45 (customs office of destination)'"/>
        <xsl:with-param name="trn" select="'DestinationOffice'"/>
      </xsl:call-template>
      <xsl:for-each select="$destination[1]">
        <trn:DestinationOffice>
          <xsl:apply-templates select="." mode="provenance"/>
          <trn:ID>
            <xsl:call-template name="loc-code">
              <xsl:with-param name="loc" select="."/>
              <xsl:with-param name="trn" select="'DestinationOffice/ID'"/>
            </xsl:call-template>
          </trn:ID>
        </trn:DestinationOffice>
      </xsl:for-each>
      <!-- ExitOffice: LOC+42 -->
      <xsl:variable name="exit" select="$locs[e:D3227 = '42']"/>
      <xsl:call-template name="single">
        <xsl:with-param name="set" select="$exit"/>
        <xsl:with-param name="what" select="'LOC+42 (customs office of exit)'"/>
        <xsl:with-param name="trn" select="'ExitOffice'"/>
      </xsl:call-template>
      <xsl:for-each select="$exit[1]">
        <trn:ExitOffice>
          <xsl:apply-templates select="." mode="provenance"/>
          <trn:ID>
            <xsl:call-template name="loc-code">
              <xsl:with-param name="loc" select="."/>
              <xsl:with-param name="trn" select="'ExitOffice/ID'"/>
            </xsl:call-template>
          </trn:ID>
        </trn:ExitOffice>
      </xsl:for-each>
      <xsl:call-template name="guarantees"/>
      <!-- TransitOffice: LOC+50, in order -->
      <xsl:for-each select="$locs[e:D3227 = '50']">
        <trn:TransitOffice>
          <xsl:apply-templates select="." mode="provenance"/>
          <trn:SequenceNumeric>
            <xsl:call-template name="sequence">
              <xsl:with-param name="seg" select="."/>
              <xsl:with-param name="pos" select="position()"/>
            </xsl:call-template>
          </trn:SequenceNumeric>
          <trn:ID>
            <xsl:call-template name="loc-code">
              <xsl:with-param name="loc" select="."/>
              <xsl:with-param name="trn" select="'TransitOffice/ID'"/>
            </xsl:call-template>
          </trn:ID>
        </trn:TransitOffice>
      </xsl:for-each>
    </trn:Declaration>
  </xsl:template>

  <!-- A count of CNT whose 6069 is one of codes ('|5|51|'). -->
  <xsl:template name="count">
    <xsl:param name="codes"/>
    <xsl:param name="what"/>
    <xsl:param name="name"/>
    <xsl:variable name="set" select="$cnts[contains($codes, concat('|', e:C270/e:D6069, '|'))]"/>
    <xsl:call-template name="single">
      <xsl:with-param name="set" select="$set"/>
      <xsl:with-param name="what" select="$what"/>
      <xsl:with-param name="trn" select="concat('Declaration/', $name)"/>
    </xsl:call-template>
    <xsl:for-each select="$set[1]/e:C270/e:D6066">
      <xsl:element name="trn:{$name}" namespace="{$trn-ns}">
        <xsl:apply-templates select="." mode="provenance"/>
        <xsl:call-template name="num"><xsl:with-param name="v" select="."/></xsl:call-template>
      </xsl:element>
    </xsl:for-each>
  </xsl:template>

  <!-- ============================================================ transport means -->

  <!-- BorderTransportMeans: TDT+11 (at border), else TDT+20 (main carriage). -->
  <xsl:template name="border-transport">
    <xsl:variable name="at-border" select="$tdts[e:D8051 = '11']"/>
    <xsl:variable name="tdt" select="$at-border | $tdts[e:D8051 = '20'][not($at-border)]"/>
    <xsl:call-template name="single">
      <xsl:with-param name="set" select="$tdt"/>
      <xsl:with-param name="what" select="concat('TDT+', $tdt[1]/e:D8051, ' (means of transport)')"/>
      <xsl:with-param name="trn" select="'Declaration/BorderTransportMeans'"/>
    </xsl:call-template>
    <xsl:for-each select="$tdt[1]">
      <xsl:variable name="at" select="concat('TDT+', e:D8051)"/>
      <xsl:variable name="c222" select="e:C222"/>
      <xsl:variable name="id">
        <xsl:choose>
          <xsl:when test="normalize-space($c222/e:D8213) != ''"><xsl:value-of select="normalize-space($c222/e:D8213)"/></xsl:when>
          <xsl:otherwise><xsl:value-of select="normalize-space(e:D8028)"/></xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="$id"/>
        <xsl:with-param name="where" select="concat($at, ' C222/8213 (means of transport) or 8028 (journey number)')"/>
        <xsl:with-param name="trn" select="'BorderTransportMeans/ID'"/>
      </xsl:call-template>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="e:C220/e:D8067"/>
        <xsl:with-param name="where" select="concat($at, ' C220/8067 (mode of transport)')"/>
        <xsl:with-param name="trn" select="'BorderTransportMeans/ModeCode'"/>
      </xsl:call-template>
      <trn:BorderTransportMeans>
        <xsl:apply-templates select="." mode="provenance"/>
        <xsl:for-each select="$c222/e:D8212[normalize-space() != '']">
          <trn:Name><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:Name>
        </xsl:for-each>
        <trn:ID>
          <xsl:choose>
            <xsl:when test="normalize-space($c222/e:D8213) != ''"><xsl:apply-templates select="$c222/e:D8213" mode="provenance"/></xsl:when>
            <xsl:otherwise><xsl:apply-templates select="e:D8028" mode="provenance"/></xsl:otherwise>
          </xsl:choose>
          <xsl:value-of select="$id"/>
        </trn:ID>
        <!-- the code list of 8213, when mutually defined (3055 ZZZ): how ID identifies -->
        <xsl:for-each select="$c222[normalize-space(e:D8213) != ''][e:D3055 = 'ZZZ']/e:D1131[normalize-space() != '']">
          <trn:IdentificationTypeCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:IdentificationTypeCode>
        </xsl:for-each>
        <xsl:for-each select="(e:C228 | e:C001)/e:D8179[normalize-space() != '']">
          <trn:TypeCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:TypeCode>
        </xsl:for-each>
        <xsl:for-each select="$c222/e:D8453[normalize-space() != '']">
          <trn:RegistrationNationalityCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:RegistrationNationalityCode>
        </xsl:for-each>
        <trn:ModeCode><xsl:apply-templates select="e:C220/e:D8067" mode="provenance"/><xsl:value-of select="normalize-space(e:C220/e:D8067)"/></trn:ModeCode>
      </trn:BorderTransportMeans>
    </xsl:for-each>
  </xsl:template>

  <!-- ============================================================ consignment -->

  <xsl:template name="consignment">
    <trn:Consignment>
      <xsl:call-template name="party">
        <xsl:with-param name="q" select="'CA'"/>
        <xsl:with-param name="role" select="'carrier'"/>
        <xsl:with-param name="name" select="'Carrier'"/>
        <xsl:with-param name="required" select="false()"/>
      </xsl:call-template>
      <xsl:call-template name="party">
        <xsl:with-param name="q" select="'CN'"/>
        <xsl:with-param name="role" select="'consignee'"/>
        <xsl:with-param name="name" select="'Consignee'"/>
        <xsl:with-param name="required" select="true()"/>
      </xsl:call-template>
      <xsl:call-template name="party">
        <xsl:with-param name="q" select="'CZ'"/>
        <xsl:with-param name="role" select="'consignor'"/>
        <xsl:with-param name="name" select="'Consignor'"/>
        <xsl:with-param name="required" select="true()"/>
      </xsl:call-template>
      <xsl:if test="not($items)">
        <xsl:call-template name="missing">
          <xsl:with-param name="where" select="'GID (goods item)'"/>
          <xsl:with-param name="trn" select="'Consignment/ConsignmentItem'"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:apply-templates select="$items" mode="item"/>
      <!-- Itinerary: LOC+49 (country of routing) in order -->
      <xsl:for-each select="$locs[e:D3227 = '49']">
        <trn:Itinerary>
          <xsl:apply-templates select="." mode="provenance"/>
          <trn:SequenceNumeric>
            <xsl:call-template name="sequence">
              <xsl:with-param name="seg" select="."/>
              <xsl:with-param name="pos" select="position()"/>
            </xsl:call-template>
          </trn:SequenceNumeric>
          <trn:RoutingCountryCode>
            <xsl:call-template name="loc-code">
              <xsl:with-param name="loc" select="."/>
              <xsl:with-param name="trn" select="'Itinerary/RoutingCountryCode'"/>
            </xsl:call-template>
          </trn:RoutingCountryCode>
        </trn:Itinerary>
      </xsl:for-each>
      <!-- LoadingLocation: LOC+9 -->
      <xsl:variable name="loading" select="$locs[e:D3227 = '9']"/>
      <xsl:call-template name="single">
        <xsl:with-param name="set" select="$loading"/>
        <xsl:with-param name="what" select="'LOC+9 (place of loading)'"/>
        <xsl:with-param name="trn" select="'Consignment/LoadingLocation'"/>
      </xsl:call-template>
      <xsl:for-each select="$loading[1]/e:C517[normalize-space(e:D3224) != '' or normalize-space(e:D3225) != '']">
        <trn:LoadingLocation>
          <xsl:apply-templates select=".." mode="provenance"/>
          <xsl:for-each select="e:D3224[normalize-space() != '']">
            <trn:Name><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:Name>
          </xsl:for-each>
          <xsl:for-each select="e:D3225[normalize-space() != '']">
            <trn:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:ID>
          </xsl:for-each>
        </trn:LoadingLocation>
      </xsl:for-each>
      <xsl:call-template name="transport-documents"/>
      <xsl:apply-templates select="$equipment" mode="equipment"/>
    </trn:Consignment>
  </xsl:template>

  <!-- Carrier, Consignee, Consignor: NAD+q. -->
  <xsl:template name="party">
    <xsl:param name="q"/>
    <xsl:param name="role"/>
    <xsl:param name="name"/>
    <xsl:param name="required"/>
    <xsl:variable name="set" select="$nads[e:D3035 = $q]"/>
    <xsl:variable name="trn" select="concat('Consignment/', $name)"/>
    <xsl:variable name="at" select="concat('NAD+', $q, ' (', $role, ')')"/>
    <xsl:if test="$required and not($set)">
      <xsl:call-template name="missing">
        <xsl:with-param name="where" select="$at"/>
        <xsl:with-param name="trn" select="$trn"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:call-template name="single">
      <xsl:with-param name="set" select="$set"/>
      <xsl:with-param name="what" select="$at"/>
      <xsl:with-param name="trn" select="$trn"/>
    </xsl:call-template>
    <xsl:for-each select="$set[1]">
      <xsl:variable name="party-name">
        <xsl:call-template name="join"><xsl:with-param name="parts" select="e:C080/e:D3036"/></xsl:call-template>
      </xsl:variable>
      <xsl:if test="$required">
        <xsl:call-template name="require">
          <xsl:with-param name="value" select="$party-name"/>
          <xsl:with-param name="where" select="concat($at, ' C080/3036 (party name)')"/>
          <xsl:with-param name="trn" select="concat($trn, '/Name')"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:variable name="address" select="e:C059/e:D3042 | e:D3164 | e:D3251 | e:D3207"/>
      <xsl:if test="$address[normalize-space() != '']">
        <xsl:call-template name="require">
          <xsl:with-param name="value" select="e:D3207"/>
          <xsl:with-param name="where" select="concat($at, ' 3207 (country of the address)')"/>
          <xsl:with-param name="trn" select="concat($trn, '/Address/CountryCode')"/>
        </xsl:call-template>
      </xsl:if>
      <xsl:element name="trn:{$name}" namespace="{$trn-ns}">
        <xsl:apply-templates select="." mode="provenance"/>
        <xsl:if test="normalize-space($party-name) != ''">
          <trn:Name><xsl:apply-templates select="e:C080/e:D3036[normalize-space() != '']" mode="provenance"/><xsl:value-of select="normalize-space($party-name)"/></trn:Name>
        </xsl:if>
        <xsl:for-each select="e:C082/e:D3039[normalize-space() != '']">
          <trn:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:ID>
        </xsl:for-each>
        <xsl:if test="$address[normalize-space() != '']">
          <trn:Address>
            <xsl:apply-templates select="." mode="provenance"/>
            <xsl:for-each select="e:D3164[normalize-space() != '']">
              <trn:CityName><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:CityName>
            </xsl:for-each>
            <trn:CountryCode><xsl:apply-templates select="e:D3207" mode="provenance"/><xsl:value-of select="normalize-space(e:D3207)"/></trn:CountryCode>
            <xsl:if test="e:C059/e:D3042[normalize-space() != '']">
              <trn:Line>
                <xsl:apply-templates select="e:C059/e:D3042[normalize-space() != '']" mode="provenance"/>
                <xsl:call-template name="join">
                  <xsl:with-param name="parts" select="e:C059/e:D3042[normalize-space() != '']"/>
                  <xsl:with-param name="sep" select="', '"/>
                </xsl:call-template>
              </trn:Line>
            </xsl:if>
            <xsl:for-each select="e:D3251[normalize-space() != '']">
              <trn:PostcodeID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:PostcodeID>
            </xsl:for-each>
          </trn:Address>
        </xsl:if>
      </xsl:element>
    </xsl:for-each>
  </xsl:template>

  <!-- ============================================================ goods items -->

  <!-- A goods item: the group whose trigger is GID. -->
  <xsl:template match="*" mode="item">
    <xsl:variable name="gid" select="e:GID"/>
    <xsl:variable name="seq">
      <xsl:choose>
        <xsl:when test="normalize-space($gid/e:D1496) != ''"><xsl:value-of select="normalize-space($gid/e:D1496)"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="position()"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:variable name="at" select="concat('goods item ', $seq, ': ')"/>
    <xsl:variable name="ftx" select="e:FTX[e:D4451 = 'AAA']"/>
    <xsl:variable name="description">
      <xsl:for-each select="$ftx">
        <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
        <xsl:call-template name="join"><xsl:with-param name="parts" select="e:C108/e:D4440"/></xsl:call-template>
      </xsl:for-each>
    </xsl:variable>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$description"/>
      <xsl:with-param name="where" select="concat($at, 'FTX+AAA (description of goods) C108/4440')"/>
      <xsl:with-param name="trn" select="'ConsignmentItem/Commodity/Description'"/>
    </xsl:call-template>
    <!-- gross weight: MEA+WT with G or AAD (AAB, goods item gross weight, in D21A) -->
    <xsl:variable name="meas" select="e:MEA | *[*[1][self::e:MEA]]/e:MEA"/>
    <xsl:variable name="gross" select="$meas[e:D6311 = 'WT'][e:C502/e:D6313 = 'G' or e:C502/e:D6313 = 'AAD'
                                       or ($dir = 'D21A' and e:C502/e:D6313 = 'AAB')]"/>
    <xsl:if test="not($gross)">
      <xsl:call-template name="missing">
        <xsl:with-param name="where" select="concat($at, 'MEA+WT+G|AAD|AAB (gross weight)')"/>
        <xsl:with-param name="trn" select="'ConsignmentItem/Commodity/GoodsMeasure/GrossMassMeasure'"/>
      </xsl:call-template>
    </xsl:if>
    <xsl:call-template name="single">
      <xsl:with-param name="set" select="$gross"/>
      <xsl:with-param name="at" select="$at"/>
      <xsl:with-param name="what" select="'MEA+WT (gross weight)'"/>
      <xsl:with-param name="trn" select="'GoodsMeasure/GrossMassMeasure'"/>
    </xsl:call-template>
    <!-- commodity code: PIA with 7143 HS, TCC C528/7357, CST C246/7361 (1131 empty or 169) -->
    <xsl:variable name="code" select="(e:PIA/*[e:D7143 = 'HS']/e:D7140
                                       | (e:TCC | *[*[1][self::e:TCC]]/e:TCC)/e:C528/e:D7357
                                       | e:CST/e:C246[not(e:D1131) or e:D1131 = '169']/e:D7361)[normalize-space() != '']"/>
    <xsl:call-template name="single">
      <xsl:with-param name="set" select="$code"/>
      <xsl:with-param name="at" select="$at"/>
      <xsl:with-param name="what" select="'commodity codes (PIA HS, TCC C528, CST C246)'"/>
      <xsl:with-param name="trn" select="'Commodity/Classification'"/>
    </xsl:call-template>
    <trn:ConsignmentItem>
      <xsl:apply-templates select="$gid" mode="provenance"/>
      <trn:SequenceNumeric>
        <xsl:choose>
          <xsl:when test="normalize-space($gid/e:D1496) != ''"><xsl:apply-templates select="$gid/e:D1496" mode="provenance"/></xsl:when>
          <xsl:otherwise><xsl:apply-templates select="$gid" mode="provenance"/></xsl:otherwise>
        </xsl:choose>
        <xsl:value-of select="$seq"/>
      </trn:SequenceNumeric>
      <trn:Commodity>
        <trn:Description>
          <xsl:apply-templates select="$ftx/e:C108/e:D4440[normalize-space() != '']" mode="provenance"/>
          <xsl:call-template name="language"><xsl:with-param name="code" select="$ftx[1]/e:D3453"/></xsl:call-template>
          <xsl:value-of select="normalize-space($description)"/>
        </trn:Description>
        <xsl:for-each select="$code[1]">
          <trn:Classification><trn:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:ID></trn:Classification>
        </xsl:for-each>
        <trn:GoodsMeasure>
          <xsl:call-template name="measure">
            <xsl:with-param name="mea" select="$gross[1]"/>
            <xsl:with-param name="element" select="'GrossMassMeasure'"/>
            <xsl:with-param name="trn" select="'ConsignmentItem/Commodity/GoodsMeasure/GrossMassMeasure'"/>
            <xsl:with-param name="where" select="concat($at, 'MEA+WT+', $gross[1]/e:C502/e:D6313)"/>
          </xsl:call-template>
        </trn:GoodsMeasure>
      </trn:Commodity>
      <xsl:call-template name="packaging">
        <xsl:with-param name="at" select="$at"/>
      </xsl:call-template>
    </trn:ConsignmentItem>
  </xsl:template>

  <!-- Packaging: the groups whose trigger is PAC (quantity 7224, type C202/7065,
       marks PCI C210/7102), else the GID C213 (7224, 7065) with the item's PCI. -->
  <xsl:template name="packaging">
    <xsl:param name="at"/>
    <xsl:variable name="pacs" select="*[*[1][self::e:PAC]]"/>
    <xsl:choose>
      <xsl:when test="$pacs">
        <xsl:for-each select="$pacs">
          <xsl:call-template name="package">
            <xsl:with-param name="seq" select="position()"/>
            <xsl:with-param name="counted" select="e:PAC"/>
            <xsl:with-param name="quantity" select="e:PAC/e:D7224"/>
            <xsl:with-param name="type" select="e:PAC/e:C202/e:D7065"/>
            <xsl:with-param name="marks" select="e:PCI/e:C210/e:D7102"/>
            <xsl:with-param name="where" select="concat($at, 'PAC C202/7065 (type of package)')"/>
          </xsl:call-template>
        </xsl:for-each>
      </xsl:when>
      <xsl:otherwise>
        <xsl:variable name="kinds" select="e:GID/e:C213[normalize-space(e:D7224) != '' or normalize-space(e:D7065) != '']"/>
        <xsl:variable name="marks" select="(e:PCI | *[*[1][self::e:PCI]]/e:PCI)/e:C210/e:D7102"/>
        <xsl:if test="count($kinds) &gt; 1 and $marks[normalize-space() != '']">
          <xsl:call-template name="stop">
            <xsl:with-param name="text" select="concat($at, 'PCI marks with ', count($kinds),
                                                ' kinds of package in GID C213; TRN ties marks to one Packaging')"/>
          </xsl:call-template>
        </xsl:if>
        <xsl:for-each select="$kinds">
          <xsl:call-template name="package">
            <xsl:with-param name="seq" select="position()"/>
            <xsl:with-param name="counted" select="."/>
            <xsl:with-param name="quantity" select="e:D7224"/>
            <xsl:with-param name="type" select="e:D7065"/>
            <xsl:with-param name="marks" select="$marks"/>
            <xsl:with-param name="where" select="concat($at, 'GID C213/7065 (type of package)')"/>
          </xsl:call-template>
        </xsl:for-each>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="package">
    <xsl:param name="seq"/>
    <xsl:param name="counted"/>
    <xsl:param name="quantity"/>
    <xsl:param name="type"/>
    <xsl:param name="marks"/>
    <xsl:param name="where"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="$type"/>
      <xsl:with-param name="where" select="$where"/>
      <xsl:with-param name="trn" select="'ConsignmentItem/Packaging/TypeCode'"/>
    </xsl:call-template>
    <trn:Packaging>
      <xsl:apply-templates select="$counted" mode="provenance"/>
      <trn:SequenceNumeric><xsl:apply-templates select="$counted" mode="provenance"/><xsl:value-of select="$seq"/></trn:SequenceNumeric>
      <xsl:if test="$marks[normalize-space() != '']">
        <trn:MarksNumbersID>
          <xsl:apply-templates select="$marks[normalize-space() != '']" mode="provenance"/>
          <xsl:call-template name="join"><xsl:with-param name="parts" select="$marks[normalize-space() != '']"/></xsl:call-template>
        </trn:MarksNumbersID>
      </xsl:if>
      <xsl:if test="normalize-space($quantity) != ''">
        <trn:QuantityQuantity><xsl:apply-templates select="$quantity" mode="provenance"/><xsl:value-of select="normalize-space($quantity)"/></trn:QuantityQuantity>
      </xsl:if>
      <trn:TypeCode><xsl:apply-templates select="$type" mode="provenance"/><xsl:value-of select="normalize-space($type)"/></trn:TypeCode>
    </trn:Packaging>
  </xsl:template>

  <!-- ============================================================ documents, equipment -->

  <!-- TransportContractDocument: DOC (C002/1001 type, C503/1004 number), and RFF
       whose qualifier names the kind of document: CMR 730 road consignment note,
       RCN and WY 720 rail consignment note, AWB 740 air waybill, BM 705 bill of
       lading. Other references (AAM waybill number, AAS transport document
       number ...) do not say which document they number: not mapped. The same
       reference given twice (header and consignment) is written once. -->
  <xsl:template name="transport-documents">
    <xsl:for-each select="$docs">
      <xsl:variable name="d" select="."/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="e:C503/e:D1004"/>
        <xsl:with-param name="where" select="concat('DOC+', e:C002/e:D1001, ' C503/1004 (document number)')"/>
        <xsl:with-param name="trn" select="'TransportContractDocument/ID'"/>
      </xsl:call-template>
      <xsl:variable name="before" select="$docs[count(. | $d/preceding::e:DOC) = count($d/preceding::e:DOC)]"/>
      <xsl:if test="not($before[e:C002/e:D1001 = $d/e:C002/e:D1001 and e:C503/e:D1004 = $d/e:C503/e:D1004])">
        <trn:TransportContractDocument>
          <xsl:apply-templates select="." mode="provenance"/>
          <trn:ID><xsl:apply-templates select="e:C503/e:D1004" mode="provenance"/><xsl:value-of select="normalize-space(e:C503/e:D1004)"/></trn:ID>
          <trn:TypeCode><xsl:apply-templates select="e:C002/e:D1001" mode="provenance"/><xsl:value-of select="normalize-space(e:C002/e:D1001)"/></trn:TypeCode>
        </trn:TransportContractDocument>
      </xsl:if>
    </xsl:for-each>
    <xsl:for-each select="$rffs[contains('|CMR|RCN|WY|AWB|BM|', concat('|', e:C506/e:D1153, '|'))]">
      <xsl:variable name="r" select="."/>
      <xsl:variable name="q" select="e:C506/e:D1153"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="e:C506/e:D1154"/>
        <xsl:with-param name="where" select="concat('RFF+', $q, ' C506/1154 (document number)')"/>
        <xsl:with-param name="trn" select="'TransportContractDocument/ID'"/>
      </xsl:call-template>
      <xsl:variable name="before" select="$rffs[count(. | $r/preceding::e:RFF) = count($r/preceding::e:RFF)]"/>
      <xsl:if test="not($before[e:C506/e:D1153 = $q and e:C506/e:D1154 = $r/e:C506/e:D1154])">
        <trn:TransportContractDocument>
          <xsl:apply-templates select="." mode="provenance"/>
          <trn:ID><xsl:apply-templates select="e:C506/e:D1154" mode="provenance"/><xsl:value-of select="normalize-space(e:C506/e:D1154)"/></trn:ID>
          <trn:TypeCode>
            <xsl:apply-templates select="e:C506/e:D1153" mode="provenance"/>
            <xsl:choose>
              <xsl:when test="$q = 'CMR'">730</xsl:when>
              <xsl:when test="$q = 'RCN' or $q = 'WY'">720</xsl:when>
              <xsl:when test="$q = 'AWB'">740</xsl:when>
              <xsl:otherwise>705</xsl:otherwise>
            </xsl:choose>
          </trn:TypeCode>
        </trn:TransportContractDocument>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>

  <!-- TransportEquipment: a group whose trigger is EQD, with its SEL. -->
  <xsl:template match="*" mode="equipment">
    <xsl:variable name="n" select="position()"/>
    <xsl:call-template name="require">
      <xsl:with-param name="value" select="e:EQD/e:C237/e:D8260"/>
      <xsl:with-param name="where" select="concat('EQD+', e:EQD/e:D8053, ' (equipment ', $n, ') C237/8260 (equipment identifier)')"/>
      <xsl:with-param name="trn" select="'TransportEquipment/ID'"/>
    </xsl:call-template>
    <trn:TransportEquipment>
      <xsl:apply-templates select="e:EQD" mode="provenance"/>
      <trn:SequenceNumeric>
        <xsl:call-template name="sequence">
          <xsl:with-param name="seg" select="e:EQD"/>
          <xsl:with-param name="pos" select="$n"/>
        </xsl:call-template>
      </trn:SequenceNumeric>
      <trn:ID><xsl:apply-templates select="e:EQD/e:C237/e:D8260" mode="provenance"/><xsl:value-of select="normalize-space(e:EQD/e:C237/e:D8260)"/></trn:ID>
      <xsl:for-each select="e:SEL | *[*[1][self::e:SEL]]/e:SEL">
        <xsl:call-template name="require">
          <xsl:with-param name="value" select="e:D9308"/>
          <xsl:with-param name="where" select="concat('SEL (seal ', position(), ' of equipment ', $n, ') 9308 (seal number)')"/>
          <xsl:with-param name="trn" select="'TransportEquipment/Seal/ID'"/>
        </xsl:call-template>
        <trn:Seal>
          <xsl:apply-templates select="." mode="provenance"/>
          <trn:SequenceNumeric>
            <xsl:call-template name="sequence">
              <xsl:with-param name="seg" select="."/>
              <xsl:with-param name="pos" select="position()"/>
            </xsl:call-template>
          </trn:SequenceNumeric>
          <trn:ID><xsl:apply-templates select="e:D9308" mode="provenance"/><xsl:value-of select="normalize-space(e:D9308)"/></trn:ID>
        </trn:Seal>
      </xsl:for-each>
    </trn:TransportEquipment>
  </xsl:template>

  <!-- ============================================================ guarantee -->

  <!-- ObligationGuarantee n: the nth RFF+ABL (reference, required), the nth
       MOA+166 (amount), the nth indicator with code list 125 (kind: GIS C529
       or GEI C012, 7365 with 1131 = 125) and the nth LOC+119 (office). A part
       without value (MOA+166 without amount, LOC+119 without code, an
       indicator without 7365) keeps its place: trn-govcbr.xsl writes them so
       when several guarantees do not all have every part. A part without its
       reference stops the sheet. -->
  <xsl:template name="guarantees">
    <!-- the same reference given twice (header and consignment) counts once -->
    <xsl:variable name="refs" select="$rffs[e:C506/e:D1153 = 'ABL']
        [not(e:C506/e:D1154 = preceding::e:RFF[e:C506/e:D1153 = 'ABL']
                                               [generate-id(ancestor::e:message) = generate-id($msg)]/e:C506/e:D1154)]"/>
    <xsl:variable name="amounts" select="$moas[e:C516/e:D5025 = '166']"/>
    <xsl:variable name="kinds" select="$inds[(e:C529 | e:C012)/e:D1131 = '125']"/>
    <xsl:variable name="offices" select="$locs[e:D3227 = '119']"/>
    <!-- a part beyond the last reference: the first such one, in message order -->
    <xsl:for-each select="($amounts[count($refs) + 1] | $kinds[count($refs) + 1] | $offices[count($refs) + 1])[1]">
      <xsl:variable name="part">
        <xsl:choose>
          <xsl:when test="self::e:MOA">MOA+166</xsl:when>
          <xsl:when test="self::e:LOC">LOC+119</xsl:when>
          <xsl:otherwise><xsl:value-of select="concat(name(), ' with code list 125')"/></xsl:otherwise>
        </xsl:choose>
      </xsl:variable>
      <xsl:call-template name="missing">
        <xsl:with-param name="where" select="concat('RFF+ABL (customs guarantee number) of guarantee ', count($refs) + 1, ' (', $part, ')')"/>
        <xsl:with-param name="trn" select="'ObligationGuarantee/ReferenceID'"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:for-each select="$refs">
      <xsl:variable name="i" select="position()"/>
      <xsl:call-template name="require">
        <xsl:with-param name="value" select="e:C506/e:D1154"/>
        <xsl:with-param name="where" select="concat('RFF+ABL ', $i, ' C506/1154 (guarantee number)')"/>
        <xsl:with-param name="trn" select="'ObligationGuarantee/ReferenceID'"/>
      </xsl:call-template>
      <trn:ObligationGuarantee>
        <xsl:apply-templates select="." mode="provenance"/>
        <xsl:for-each select="$amounts[$i]/e:C516[normalize-space(e:D5004) != '']">
          <xsl:call-template name="require">
            <xsl:with-param name="value" select="e:D6345"/>
            <xsl:with-param name="where" select="concat('MOA+166 ', $i, ' C516/6345 (currency)')"/>
            <xsl:with-param name="trn" select="'ObligationGuarantee/AmountAmount/@currencyID'"/>
          </xsl:call-template>
          <trn:AmountAmount currencyID="{normalize-space(e:D6345)}">
            <xsl:apply-templates select="e:D5004" mode="provenance"/>
            <xsl:call-template name="num"><xsl:with-param name="v" select="e:D5004"/></xsl:call-template>
          </trn:AmountAmount>
        </xsl:for-each>
        <trn:ReferenceID><xsl:apply-templates select="e:C506/e:D1154" mode="provenance"/><xsl:value-of select="normalize-space(e:C506/e:D1154)"/></trn:ReferenceID>
        <xsl:for-each select="$kinds[$i]/*/e:D7365[normalize-space() != '']">
          <trn:SecurityDetailsCode><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:SecurityDetailsCode>
        </xsl:for-each>
        <xsl:for-each select="$offices[$i]/e:C517/e:D3225[normalize-space() != '']">
          <trn:GuaranteeOffice><trn:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></trn:ID></trn:GuaranteeOffice>
        </xsl:for-each>
      </trn:ObligationGuarantee>
    </xsl:for-each>
  </xsl:template>

</xsl:stylesheet>
