<?xml version="1.0" encoding="UTF-8"?>
<!--
  edifact-bank-pay.xsl - the UN/EDIFACT bank messages FINSTA (financial
  statement of an account), BANSTA (banking status) and CREMUL (multiple
  credit advice), directories D96B, D01B and D21A, to the payment
  confirmation PAY of the Mongolian WCO DM 3.7 profile (xsd/mn/pay.xsd).
  The profile registers this one sheet for the three message types.

  Input: the EDIFACT-XML of an interchange (docs/edifact-xml.md). The string
  parameter `message` (1-based, default '1') picks (//e:message)[number($message)].
  Output: one md:MetaData envelope holding one pay:Payment.

  ONE PAYMENT PER MESSAGE. PAY confirms one payment; the sheet maps the one
  transaction of the message, the one group whose trigger is SEQ (FINSTA SG6
  under the account's LIN; BANSTA SG6 under the LIN of the transaction whose
  status is given; CREMUL SG10 under the LIN of the credit). A message with
  no SEQ group, or with more than one, is refused: taking the first would
  silently lose the others. The groups are found by their trigger segment,
  never by their SG number, so one sheet serves the three directories.

  Scopes. "tx" is the SEQ group; "line" is the LIN group holding it. The
  references (RFF) of a transaction are read in the tx groups first (FINSTA
  SG6 RFF, CREMUL SG11), then in the line's RFF groups (BANSTA SG5, CREMUL
  SG5), then in the header RFF groups (SG1); the RFF of the FINSTA LIN itself
  is the statement's reference and is not read.

  Mapping (EDIFACT -> pay:Payment; "x|y" = x, else y):
    BGM 1225                  FunctionCode: 9 original -> 9, 1 cancellation -> 1
    RFF+AIK|ACK (tx, line)    ID (bank's transaction reference | bank reference)
    PAI C534/4461 (CREMUL SG12)  MethodCode, the UN/EDIFACT 4461 code as sent
    | BUS C551 (tx | line | header BUS)  MethodCode: 4383 PAC (payment card)
                              -> 48, TRF (transfer) -> 30; a C551 whose 1131 is
                              134 (duty, tax or fee payment method, the list
                              CUSDEC uses for DEC's payment method) carries a
                              4461 code, taken as sent (e.g. 68:134 QR payment)
    MOA+60|143|9 (tx) C516/5004  PaymentAmount (final posted | transfer |
                              amount payable); decimal comma -> point
    MOA C516/6345 | the credited account's FII C078/6345  @currencyID
    DTM+193|202|209 with a time (tx; CREMUL: the LIN's when the SEQ has none)
                              PaymentDateTime (execution | posting | value
                              date); format 203, 204 -> +08:00, 205 own offset
    RFF+PQ                    ReferenceID (payment reference of the assessment)
    Bank/ID                   the customs account credited: FINSTA the LIN's
                              FII C078/3194; CREMUL, BANSTA FII+BF C078/3194
    Bank/ReferenceID          the bank that received the payment, FII C088/3433:
                              FINSTA header FII+BK|AS (the account servicer
                              sending the statement); CREMUL the LIN's FII+BF
                              (beneficiary's bank, sending the credit advice);
                              BANSTA SG7 FII+OR|BF (the ordered bank reports)
    RFF+ABE                   Declaration/FunctionalReferenceID (LRN)
    RFF+ABT                   Declaration/ID (customs declaration number)
    NAD+PR|PL|OY (tx NAD group) C082/3039 | RFF+FC|AHP  Payer/ID (register
                              number: fiscal | tax registration number)
    that NAD C080/3036 (joined) | FII+OR C078/3192 (tx)  Payer/Name

  BANSTA: the status of the transaction (GIS C529/7365 in D96B and D01B,
  GEI C012/7365 in D21A) must be 32, transaction accepted; any other status
  confirms no payment and is refused.

  Nothing is invented: what PAY requires and the message lacks, or carries in
  a form that cannot be mapped, is listed (every item, in PAY order) in one
  xsl:message terminate="yes", naming the segment and qualifier. Values are
  copied as sent; their form (BIC, register number, payment reference
  pattern, channel code) is checked by `khaalga validate`, not here. Not
  mapped: balances (FINSTA SG5), the payer's account (FII+OR C078/3194), free
  texts (FTX, whose content is not structured), CREMUL's document details
  (SG21) and the header NAD/CTA/COM groups. The language of names is unknown
  in EDIFACT: Payer/Name carries no languageID.

  Provenance: every element written is marked (provenance.xsl) with the
  data element or component its value is read from, in the scope chosen
  above (Payment with its SEQ), so that an error found by validation names
  its EDIFACT place even when the value was reformatted.

  See mappings/wco/README-pay.md for the tables and the choices.
-->
<xsl:stylesheet version="1.0"
                xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
                xmlns:e="urn:khaalga:edifact-xml:1"
                xmlns:md="urn:customs.gov.mn:wco:3.7:metadata"
                xmlns:pay="urn:customs.gov.mn:wco:3.7:PAY"
                exclude-result-prefixes="e md pay">

  <!-- marks each output element with its source when khaalga records provenance -->
  <xsl:include href="provenance.xsl"/>

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>
  <xsl:strip-space elements="*"/>

  <xsl:param name="message" select="'1'"/>

  <xsl:variable name="msg" select="(//e:message)[number($message)]"/>
  <xsl:variable name="type" select="string($msg/@type)"/>
  <xsl:variable name="docref" select="string($msg/e:BGM/e:C106/e:D1004)"/>

  <!-- The transaction and the LIN group holding it. -->
  <xsl:variable name="txs" select="$msg//*[e:SEQ]"/>
  <xsl:variable name="tx" select="$txs[1]"/>
  <xsl:variable name="line" select="$tx/.."/>

  <!-- References by scope (see the header). -->
  <xsl:variable name="rff-tx" select="$tx/e:RFF/e:C506 | $tx/*[*[1][self::e:RFF]]/e:RFF/e:C506"/>
  <xsl:variable name="rff-line" select="$line/*[*[1][self::e:RFF]]/e:RFF/e:C506"/>
  <xsl:variable name="rff-hdr" select="$msg/*[*[1][self::e:RFF]]/e:RFF/e:C506"/>

  <!-- ============================================================ helpers -->

  <!-- The value of RFF+q: transaction, then line, then (unless header is
       false) header references. -->
  <xsl:template name="ref">
    <xsl:param name="q"/>
    <xsl:param name="header" select="true()"/>
    <xsl:choose>
      <xsl:when test="$rff-tx[e:D1153 = $q]"><xsl:value-of select="$rff-tx[e:D1153 = $q]/e:D1154"/></xsl:when>
      <xsl:when test="$rff-line[e:D1153 = $q]"><xsl:value-of select="$rff-line[e:D1153 = $q]/e:D1154"/></xsl:when>
      <xsl:when test="$header"><xsl:value-of select="$rff-hdr[e:D1153 = $q]/e:D1154"/></xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- Marks the output element with the node the ref template reads (the
       same scopes, the same first node): RFF+q C506/1154. -->
  <xsl:template name="ref-source">
    <xsl:param name="q"/>
    <xsl:param name="header" select="true()"/>
    <xsl:choose>
      <xsl:when test="$rff-tx[e:D1153 = $q]"><xsl:apply-templates select="$rff-tx[e:D1153 = $q]/e:D1154" mode="provenance"/></xsl:when>
      <xsl:when test="$rff-line[e:D1153 = $q]"><xsl:apply-templates select="$rff-line[e:D1153 = $q]/e:D1154" mode="provenance"/></xsl:when>
      <xsl:when test="$header"><xsl:apply-templates select="$rff-hdr[e:D1153 = $q]/e:D1154" mode="provenance"/></xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- The components of a composite joined by a space. -->
  <xsl:template name="join">
    <xsl:param name="parts"/>
    <xsl:for-each select="$parts[normalize-space()]">
      <xsl:if test="position() &gt; 1"><xsl:text> </xsl:text></xsl:if>
      <xsl:value-of select="normalize-space()"/>
    </xsl:for-each>
  </xsl:template>

  <!-- DTM C507 with a time to xs:dateTime: 203 and 204 are Ulaanbaatar time
       (+08:00; Mongolia is UTC+8 all year), 205 carries its offset. Empty
       when the value does not fit its format. -->
  <xsl:template name="datetime">
    <xsl:param name="c507"/>
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
        <xsl:value-of select="concat($day, '00', substring($v, 13, 1), substring($v, 14, 2), ':', substring($v, 16, 2))"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- ============================================================ values -->

  <xsl:variable name="function" select="string($msg/e:BGM/e:D1225)"/>

  <xsl:variable name="aik">
    <xsl:call-template name="ref">
      <xsl:with-param name="q" select="'AIK'"/>
      <xsl:with-param name="header" select="false()"/>
    </xsl:call-template>
  </xsl:variable>
  <xsl:variable name="id">
    <xsl:choose>
      <xsl:when test="string($aik)"><xsl:value-of select="$aik"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="ref">
          <xsl:with-param name="q" select="'ACK'"/>
          <xsl:with-param name="header" select="false()"/>
        </xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Channel: PAI (CREMUL), else the bank operation of the innermost BUS
       (one BUS at most per level: header, line, tx; the innermost is the
       last in document order). -->
  <xsl:variable name="pai-node" select="$tx/*[*[1][self::e:PAI]]/e:PAI/e:C534/e:D4461"/>
  <xsl:variable name="pai" select="string($pai-node)"/>
  <xsl:variable name="bus" select="($msg/e:BUS/e:C551 | $line/e:BUS/e:C551 | $tx/e:BUS/e:C551)[last()]"/>
  <xsl:variable name="channel">
    <xsl:choose>
      <xsl:when test="$pai != ''"><xsl:value-of select="$pai"/></xsl:when>
      <xsl:when test="$bus/e:D1131 = '134'"><xsl:value-of select="$bus/e:D4383"/></xsl:when>
      <xsl:when test="$bus/e:D4383 = 'PAC'">48</xsl:when>
      <xsl:when test="$bus/e:D4383 = 'TRF'">30</xsl:when>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="channel-where">
    <xsl:choose>
      <xsl:when test="$type = 'CREMUL'">PAI C534/4461 or BUS C551</xsl:when>
      <xsl:when test="$type = 'BANSTA'">BUS C551</xsl:when>
      <xsl:otherwise>BUS C551</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Amount: the transaction's MOA, by qualifier preference. -->
  <xsl:variable name="moas" select="$tx/e:MOA/e:C516 | $tx/*[*[1][self::e:MOA]]/e:MOA/e:C516"/>
  <xsl:variable name="moa-q">
    <xsl:choose>
      <xsl:when test="$moas[e:D5025 = '60']">60</xsl:when>
      <xsl:when test="$moas[e:D5025 = '143']">143</xsl:when>
      <xsl:when test="$moas[e:D5025 = '9']">9</xsl:when>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="moa" select="$moas[e:D5025 = string($moa-q)][1]"/>
  <xsl:variable name="amount" select="translate(normalize-space($moa/e:D5004), ',', '.')"/>

  <!-- Banks and accounts, per message (see the header). -->
  <xsl:variable name="bank-fii"
      select="$msg[@type = 'FINSTA']/*[*[1][self::e:FII]]/e:FII[e:D3035 = 'BK' or e:D3035 = 'AS'][1]
            | $line[$type = 'CREMUL']/*[*[1][self::e:FII]]/e:FII[e:D3035 = 'BF'][1]
            | $tx[$type = 'BANSTA']/*[*[1][self::e:FII]]/e:FII[e:D3035 = 'OR' or e:D3035 = 'BF'][1]"/>
  <xsl:variable name="bank-where">
    <xsl:choose>
      <xsl:when test="$type = 'FINSTA'">header FII+BK C088</xsl:when>
      <xsl:when test="$type = 'CREMUL'">FII+BF C088</xsl:when>
      <xsl:otherwise>FII+OR or BF C088</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <!-- the customs account credited: the account of the statement (FINSTA), the beneficiary's -->
  <xsl:variable name="account-fii" select="$line[$type = 'FINSTA']/e:FII | $bank-fii[e:D3035 = 'BF']"/>

  <xsl:variable name="currency">
    <xsl:choose>
      <xsl:when test="normalize-space($moa/e:D6345)"><xsl:value-of select="normalize-space($moa/e:D6345)"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="normalize-space($account-fii/e:C078/e:D6345)"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- Payment time: the transaction's dates (CREMUL: the LIN's when the SEQ
       has none), the first qualifier of 193, 202, 209 given with a time. -->
  <xsl:variable name="dtms" select="$tx/e:DTM/e:C507 | $line[not($tx/e:DTM)]/e:DTM/e:C507"/>
  <xsl:variable name="timed" select="$dtms[e:D2379 = '203' or e:D2379 = '204' or e:D2379 = '205']"/>
  <xsl:variable name="when-q">
    <xsl:choose>
      <xsl:when test="$timed[e:D2005 = '193']">193</xsl:when>
      <xsl:when test="$timed[e:D2005 = '202']">202</xsl:when>
      <xsl:when test="$timed[e:D2005 = '209']">209</xsl:when>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="when-c507" select="$timed[e:D2005 = string($when-q)][1]"/>
  <xsl:variable name="when">
    <xsl:call-template name="datetime"><xsl:with-param name="c507" select="$when-c507"/></xsl:call-template>
  </xsl:variable>

  <xsl:variable name="pq">
    <xsl:call-template name="ref"><xsl:with-param name="q" select="'PQ'"/></xsl:call-template>
  </xsl:variable>
  <xsl:variable name="lrn">
    <xsl:call-template name="ref"><xsl:with-param name="q" select="'ABE'"/></xsl:call-template>
  </xsl:variable>
  <xsl:variable name="declaration">
    <xsl:call-template name="ref"><xsl:with-param name="q" select="'ABT'"/></xsl:call-template>
  </xsl:variable>

  <!-- Payer: the transaction's NAD+PR, else PL, else OY. -->
  <xsl:variable name="nads" select="$tx/*[*[1][self::e:NAD]]/e:NAD"/>
  <xsl:variable name="payer-q">
    <xsl:choose>
      <xsl:when test="$nads[e:D3035 = 'PR']">PR</xsl:when>
      <xsl:when test="$nads[e:D3035 = 'PL']">PL</xsl:when>
      <xsl:when test="$nads[e:D3035 = 'OY']">OY</xsl:when>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="payer-nad" select="$nads[e:D3035 = string($payer-q)][1]"/>
  <xsl:variable name="fc">
    <xsl:call-template name="ref"><xsl:with-param name="q" select="'FC'"/></xsl:call-template>
  </xsl:variable>
  <xsl:variable name="payer-id">
    <xsl:choose>
      <xsl:when test="normalize-space($payer-nad/e:C082/e:D3039)"><xsl:value-of select="$payer-nad/e:C082/e:D3039"/></xsl:when>
      <xsl:when test="string($fc)"><xsl:value-of select="$fc"/></xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="ref"><xsl:with-param name="q" select="'AHP'"/></xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="payer-where">
    <xsl:choose>
      <xsl:when test="$type = 'FINSTA'">RFF+FC or AHP</xsl:when>
      <xsl:otherwise>NAD+PR, PL or OY C082 or RFF+FC or AHP</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="ordered" select="($tx/e:FII | $tx/*[*[1][self::e:FII]]/e:FII)[e:D3035 = 'OR'][1]"/>
  <xsl:variable name="payer-name">
    <xsl:choose>
      <xsl:when test="$payer-nad/e:C080/e:D3036[normalize-space()]">
        <xsl:call-template name="join"><xsl:with-param name="parts" select="$payer-nad/e:C080/e:D3036"/></xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:call-template name="join"><xsl:with-param name="parts" select="$ordered/e:C078/e:D3192"/></xsl:call-template>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:variable name="status" select="string($tx/e:GIS/e:C529/e:D7365 | $tx/e:GEI/e:C012/e:D7365)"/>

  <!-- ============================================================ checks -->

  <!-- Everything PAY requires that the message lacks, "; "-separated. -->
  <xsl:variable name="problems">
    <xsl:choose>
      <xsl:when test="count($txs) != 1">
        <xsl:value-of select="concat(count($txs), ' transactions (SEQ groups), PAY confirms exactly one; ')"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:if test="$type = 'BANSTA' and $status != '32'">
          <xsl:text>status (GIS/GEI 7365) is </xsl:text>
          <xsl:choose>
            <xsl:when test="$status = ''">missing</xsl:when>
            <xsl:otherwise><xsl:value-of select="$status"/></xsl:otherwise>
          </xsl:choose>
          <xsl:text>, not 32 (transaction accepted): no payment to confirm; </xsl:text>
        </xsl:if>
        <xsl:choose>
          <xsl:when test="$function = '9' or $function = '1'"/>
          <xsl:when test="$function = ''">missing BGM 1225 (FunctionCode); </xsl:when>
          <xsl:otherwise>
            <xsl:value-of select="concat('BGM 1225 ', $function, ' is not 9 (original) or 1 (cancellation) (FunctionCode); ')"/>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:if test="normalize-space($id) = ''">missing RFF+AIK or ACK (ID); </xsl:if>
        <xsl:choose>
          <xsl:when test="string($channel) != ''"/>
          <xsl:when test="$bus/e:D4383">
            <xsl:value-of select="concat('BUS C551 4383 ', $bus/e:D4383, ' is not PAC, TRF or a 4461 code with 1131 134 (MethodCode); ')"/>
          </xsl:when>
          <xsl:otherwise><xsl:value-of select="concat('missing ', $channel-where, ' (MethodCode); ')"/></xsl:otherwise>
        </xsl:choose>
        <xsl:choose>
          <xsl:when test="not($moa)">missing MOA+60, 143 or 9 of the SEQ group (PaymentAmount); </xsl:when>
          <xsl:when test="$amount = '' or starts-with($amount, '-')">
            <xsl:value-of select="concat('MOA+', $moa-q, ' ', $amount, ' is not a credit (PaymentAmount); ')"/>
          </xsl:when>
        </xsl:choose>
        <xsl:if test="$moa and $currency = ''">
          <xsl:value-of select="concat('missing MOA+', $moa-q, ' C516/6345 or account currency (PaymentAmount/@currencyID); ')"/>
        </xsl:if>
        <xsl:choose>
          <xsl:when test="string($when) != ''"/>
          <xsl:when test="$when-c507">
            <xsl:value-of select="concat('DTM+', $when-q, ' ', $when-c507/e:D2380, ' does not fit format ', $when-c507/e:D2379, ' (PaymentDateTime); ')"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:text>missing DTM+193, 202 or 209 with a time (PaymentDateTime</xsl:text>
            <xsl:for-each select="$dtms[e:D2005 = '193' or e:D2005 = '202' or e:D2005 = '209'][1]">
              <xsl:value-of select="concat('; DTM+', e:D2005, ' has format ', e:D2379)"/>
            </xsl:for-each>
            <xsl:text>); </xsl:text>
          </xsl:otherwise>
        </xsl:choose>
        <xsl:if test="normalize-space($pq) = ''">missing RFF+PQ (ReferenceID); </xsl:if>
        <xsl:if test="normalize-space($bank-fii/e:C088/e:D3433) = ''">
          <xsl:value-of select="concat('missing ', $bank-where, ' (Bank/ReferenceID); ')"/>
        </xsl:if>
        <xsl:if test="normalize-space($declaration) = ''">missing RFF+ABT (Declaration/ID); </xsl:if>
        <xsl:if test="normalize-space($payer-id) = ''">
          <xsl:value-of select="concat('missing ', $payer-where, ' (Payer/ID); ')"/>
        </xsl:if>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <!-- ============================================================ document -->

  <xsl:template match="/">
    <xsl:if test="not($msg)">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('there is no message ', $message, ' in the interchange')"/>
      </xsl:message>
    </xsl:if>
    <xsl:if test="$type != 'FINSTA' and $type != 'BANSTA' and $type != 'CREMUL'">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat('message ', $message, ' is a ', $type, ', not a FINSTA, BANSTA or CREMUL')"/>
      </xsl:message>
    </xsl:if>
    <xsl:if test="string($problems) != ''">
      <xsl:message terminate="yes">
        <xsl:value-of select="concat($type, ' message ', $message)"/>
        <xsl:if test="$docref != ''"><xsl:value-of select="concat(' (', $docref, ')')"/></xsl:if>
        <xsl:value-of select="concat(' cannot be translated to PAY: ', substring($problems, 1, string-length($problems) - 2))"/>
      </xsl:message>
    </xsl:if>
    <md:MetaData>
      <md:WCODataModelVersionCode>3.7</md:WCODataModelVersionCode>
      <md:WCOTypeName>PAY</md:WCOTypeName>
      <md:ResponsibleCountryCode>MN</md:ResponsibleCountryCode>
      <md:ResponsibleAgencyName>General Customs Administration of Mongolia</md:ResponsibleAgencyName>
      <md:AgencyAssignedCustomizationCode>MN</md:AgencyAssignedCustomizationCode>
      <md:AgencyAssignedCustomizationVersionCode>1.0</md:AgencyAssignedCustomizationVersionCode>
      <pay:Payment>
        <xsl:apply-templates select="$tx" mode="provenance"/>
        <pay:FunctionCode><xsl:apply-templates select="$msg/e:BGM/e:D1225" mode="provenance"/><xsl:value-of select="$function"/></pay:FunctionCode>
        <pay:ID>
          <xsl:call-template name="ref-source">
            <xsl:with-param name="q">
              <xsl:choose>
                <xsl:when test="string($aik)">AIK</xsl:when>
                <xsl:otherwise>ACK</xsl:otherwise>
              </xsl:choose>
            </xsl:with-param>
            <xsl:with-param name="header" select="false()"/>
          </xsl:call-template>
          <xsl:value-of select="normalize-space($id)"/>
        </pay:ID>
        <pay:MethodCode>
          <xsl:choose>
            <xsl:when test="$pai != ''"><xsl:apply-templates select="$pai-node" mode="provenance"/></xsl:when>
            <xsl:otherwise><xsl:apply-templates select="$bus/e:D4383" mode="provenance"/></xsl:otherwise>
          </xsl:choose>
          <xsl:value-of select="$channel"/>
        </pay:MethodCode>
        <pay:PaymentAmount currencyID="{$currency}"><xsl:apply-templates select="$moa/e:D5004" mode="provenance"/><xsl:value-of select="$amount"/></pay:PaymentAmount>
        <pay:PaymentDateTime><xsl:apply-templates select="$when-c507/e:D2380" mode="provenance"/><xsl:value-of select="$when"/></pay:PaymentDateTime>
        <pay:ReferenceID>
          <xsl:call-template name="ref-source"><xsl:with-param name="q" select="'PQ'"/></xsl:call-template>
          <xsl:value-of select="normalize-space($pq)"/>
        </pay:ReferenceID>
        <pay:Bank>
          <xsl:for-each select="$account-fii/e:C078/e:D3194[normalize-space()][1]">
            <pay:ID><xsl:apply-templates select="." mode="provenance"/><xsl:value-of select="normalize-space()"/></pay:ID>
          </xsl:for-each>
          <pay:ReferenceID><xsl:apply-templates select="$bank-fii/e:C088/e:D3433" mode="provenance"/><xsl:value-of select="normalize-space($bank-fii/e:C088/e:D3433)"/></pay:ReferenceID>
        </pay:Bank>
        <pay:Declaration>
          <xsl:if test="normalize-space($lrn) != ''">
            <pay:FunctionalReferenceID>
              <xsl:call-template name="ref-source"><xsl:with-param name="q" select="'ABE'"/></xsl:call-template>
              <xsl:value-of select="normalize-space($lrn)"/>
            </pay:FunctionalReferenceID>
          </xsl:if>
          <pay:ID>
            <xsl:call-template name="ref-source"><xsl:with-param name="q" select="'ABT'"/></xsl:call-template>
            <xsl:value-of select="normalize-space($declaration)"/>
          </pay:ID>
        </pay:Declaration>
        <pay:Payer>
          <pay:ID>
            <xsl:choose>
              <xsl:when test="normalize-space($payer-nad/e:C082/e:D3039)"><xsl:apply-templates select="$payer-nad/e:C082/e:D3039" mode="provenance"/></xsl:when>
              <xsl:when test="string($fc)"><xsl:call-template name="ref-source"><xsl:with-param name="q" select="'FC'"/></xsl:call-template></xsl:when>
              <xsl:otherwise><xsl:call-template name="ref-source"><xsl:with-param name="q" select="'AHP'"/></xsl:call-template></xsl:otherwise>
            </xsl:choose>
            <xsl:value-of select="normalize-space($payer-id)"/>
          </pay:ID>
          <xsl:if test="string($payer-name) != ''">
            <pay:Name>
              <xsl:choose>
                <xsl:when test="$payer-nad/e:C080/e:D3036[normalize-space()]"><xsl:apply-templates select="$payer-nad/e:C080/e:D3036[normalize-space()]" mode="provenance"/></xsl:when>
                <xsl:otherwise><xsl:apply-templates select="$ordered/e:C078/e:D3192[normalize-space()]" mode="provenance"/></xsl:otherwise>
              </xsl:choose>
              <xsl:value-of select="$payer-name"/>
            </pay:Name>
          </xsl:if>
        </pay:Payer>
      </pay:Payment>
    </md:MetaData>
  </xsl:template>

</xsl:stylesheet>
