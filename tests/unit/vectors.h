/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Published test vectors, transcribed from their documents as hex text
 * (whitespace is ignored when decoding). Every ESP vector was checked
 * against an independent AEAD/CBC implementation before it was written
 * here: decrypting "esp" with "key" gives "plain" and its tag verifies.
 *
 * Included by test_vectors.c only (the tables are static).
 */
#ifndef XS_TEST_VECTORS_H
#define XS_TEST_VECTORS_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto.h"

/*
 * One ESP packet. "plain" is what the cipher sees: payload, padding,
 * pad length and next header (RFC 4303 §2). "esp" is the published packet
 * from the SPI on: header, explicit IV, ciphertext and, for AEAD, the ICV.
 * A next header of 4 (IP-in-IP) means tunnel mode with the payload as the
 * inner datagram; any other value means transport mode, where the payload
 * is the upper-layer data and the next header its protocol.
 */
struct vec_esp {
	const char *name;
	unsigned int suite;     /* enum xs_suite */
	const char *key;        /* AEAD: cipher key || 4-byte salt; CBC: key */
	uint32_t spi;
	uint64_t seq;           /* the full (64-bit with ESN) sequence number */
	bool esn;               /* 12-byte AAD: SPI || seq high || seq low */
	const char *iv;         /* the explicit IV on the wire */
	const char *plain;
	const char *esp;
};

/*
 * draft-mcgrew-gcm-test-01 §4, the AES-GCM (RFC 4106) ESP test cases, in
 * the order the draft lists them. The 64-bit sequence numbers are the
 * ESN cases (RFC 4303 §2.2.1). Case 7 uses AES-192, which the engine does
 * not offer (no aes192gcm16 suite), and is left out. In every case the
 * next header is 1 and the padding is the minimal 1, 2, ... sequence.
 */
static const struct vec_esp vec_gcm[] = {
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 1",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"4c80cdef bb5d10da 906ac73c 3613a634"
		"2e443b68",
		.spi = 0x00004321,
		.seq = 0x8765432100000000,
		.esn = true,
		.iv = "4956ed7e3b244cfe",
		.plain =
		"45000048 699a0000 80114db7 c0a80102"
		"c0a80101 0a9bf156 38d30100 00010000"
		"00000000 045f7369 70045f75 64700373"
		"69700963 79626572 63697479 02646b00"
		"00210001 01020201",
		.esp =
		"00004321 00000000 4956ed7e 3b244cfe"
		"fecf537e 729d5b07 dc30df52 8dd22b76"
		"8d1b9873 6696a6fd 348509fa 13ceac34"
		"cfa2436f 14a3f3cf 65925bf1 f4a13c5d"
		"15b21e18 84f5ff62 47aeabb7 86b93bce"
		"61bc17d7 68fd9732 45901814 8f6cbe72"
		"2fd04796 562dfdb4",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 2",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"feffe992 8665731c 6d6a8f94 67308308"
		"cafebabe",
		.spi = 0x0000a5f8,
		.seq = 0x0000000a,
		.esn = false,
		.iv = "facedbaddecaf888",
		.plain =
		"4500003e 698f0000 80114dcc c0a80102"
		"c0a80101 0a980035 002a2343 b2d00100"
		"00010000 00000000 03736970 09637962"
		"65726369 74790264 6b000001 00010001",
		.esp =
		"0000a5f8 0000000a facedbad decaf888"
		"deb22cd9 b07c72c1 6e3a65be eb8df304"
		"a5a5897d 33ae530f 1ba76d5d 114d2a5c"
		"3de81827 c10e9a4f 51330d0e ec416642"
		"cfbb85a5 b47e48a4 ec3b9ba9 5d918bd1"
		"83b70d3a a8bc6ee4 c309e9d8 5a41ad4a",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 3",
		.suite = XS_SUITE_AES256GCM16,
		.key =
		"abbccdde f0011223 34455667 78899aab"
		"abbccdde f0011223 34455667 78899aab"
		"11223344",
		.spi = 0x4a2cbfe3,
		.seq = 0x00000002,
		.esn = false,
		.iv = "0102030405060708",
		.plain =
		"45000030 69a64000 80062690 c0a80102"
		"9389155e 0a9e008b 2dc57ee0 00000000"
		"70024000 20bf0000 020405b4 01010402"
		"01020201",
		.esp =
		"4a2cbfe3 00000002 01020304 05060708"
		"ff425c9b 724599df 7a3bcd51 0194e00d"
		"6a78107f 1b0b1cbf 06efae9d 65a5d763"
		"748a6379 85771d34 7f054565 9f14e99d"
		"ef842d8e b335f4ee cfdbf831 824b4c49"
		"15956c96",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 4",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"00000000 00000000 00000000 00000000"
		"00000000",
		.spi = 0x00000000,
		.seq = 0x00000001,
		.esn = false,
		.iv = "0000000000000000",
		.plain =
		"4500003c 99c50000 8001cb7a 40679318"
		"01010101 0800075c 02004400 61626364"
		"65666768 696a6b6c 6d6e6f70 71727374"
		"75767761 62636465 66676869 01020201",
		.esp =
		"00000000 00000001 00000000 00000000"
		"4688daf2 f973a392 732909c3 31d56d60"
		"f694abaa 414b5e7f f5fdcdff f5e9a284"
		"45647649 2719ffb6 4de7d9dc a1e1d894"
		"bc3bd578 73ed4d18 1d19d4d5 c8c18af3"
		"f821d496 eeb096e9 8ad2b69e 4799c71d",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 5",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"3de09874 b388e649 1988d0c3 607eae1f"
		"57690e43",
		.spi = 0x42f67e3f,
		.seq = 0x1010101010101010,
		.esn = true,
		.iv = "4e280000a2fca1a3",
		.plain =
		"4500003c 99c30000 8001cb7c 40679318"
		"01010101 0800085c 02004300 61626364"
		"65666768 696a6b6c 6d6e6f70 71727374"
		"75767761 62636465 66676869 01020201",
		.esp =
		"42f67e3f 10101010 4e280000 a2fca1a3"
		"fba2caa4 853cf9f0 f22cb10d 86dd83b0"
		"fec75691 cf1a04b0 0d1138ec 9c357917"
		"65acbd87 01ad7984 5bf9fe3f ba487bc9"
		"1755e666 2b4c8d0d 1f5e2273 9530320a"
		"e0d731cc 978ecafa eae88f00 e80d6e48",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 6",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"3de09874 b388e649 1988d0c3 607eae1f"
		"57690e43",
		.spi = 0x42f67e3f,
		.seq = 0x1010101010101010,
		.esn = true,
		.iv = "4e280000a2fca1a3",
		.plain =
		"4500001c 42a20000 8001441f 406793b6"
		"e0000002 0a00f5ff 01020201",
		.esp =
		"42f67e3f 10101010 4e280000 a2fca1a3"
		"fba2ca84 5e5df9f0 f22c3e6e 86dd831e"
		"1fc65792 cd1af913 0e1379ed 369f071f"
		"35e034be 95f112e4 e7d05d35",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 8",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"abbccdde f0011223 34455667 78899aab"
		"decaf888",
		.spi = 0x00000100,
		.seq = 0x0000000000000001,
		.esn = true,
		.iv = "cafedebaceface74",
		.plain =
		"45000049 33ba0000 7f119106 c3fb1d10"
		"c2b1d326 c02831ce 0035dd7b 800302d5"
		"00004e20 001e8c18 d75b81dc 91baa047"
		"6b91b924 b280389d 92c963ba c046ec95"
		"9b6266c0 4722b149 23010101",
		.esp =
		"00000100 00000001 cafedeba ceface74"
		"18a6fd42 f72cbf4a b2a2ea90 1f73d814"
		"e3e7f243 d95412e1 c349c1d2 fbec168f"
		"9190feeb af2cb019 84e65863 965d7472"
		"b79da345 e0e78019 1f0d2f0e 0f496c22"
		"6f2127b2 7db35724 e7845d68 651f57e6"
		"5f354f75 ff170157 69623436",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 9",
		.suite = XS_SUITE_AES256GCM16,
		.key =
		"abbccdde f0011223 34455667 78899aab"
		"abbccdde f0011223 34455667 78899aab"
		"73616c74",
		.spi = 0x17405e67,
		.seq = 0x156f3126dd0db99b,
		.esn = true,
		.iv = "616e640169766563",
		.plain =
		"45080028 732c0000 4006e9f9 0a010612"
		"0a01038f 06b88023 dd6bafbe cb712602"
		"50101f64 6d540001",
		.esp =
		"17405e67 dd0db99b 616e6401 69766563"
		"f2d69ecd bd5a0d5b 8d5ef38b ad4da58d"
		"1f278fde 98ef6754 9d524a30 18d9a57f"
		"f4d3a31c e673119e 451626c2 415771e3"
		"b7eebca6 14c89b35",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 10",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"3de09874 b388e649 1988d0c3 607eae1f"
		"57690e43",
		.spi = 0x42f67e3f,
		.seq = 0x1010101010101010,
		.esn = true,
		.iv = "4e280000a2fca1a3",
		.plain =
		"45000049 333e0000 7f119182 c3fb1d10"
		"c2b1d326 c02831ce 0035cb45 8003025b"
		"000001e0 001e8c18 d65759d5 2284a035"
		"2c71475c 8880391c 764d6e5e e0496b32"
		"5ae270c0 38994939 15010101",
		.esp =
		"42f67e3f 10101010 4e280000 a2fca1a3"
		"fba2cad1 2fc1f9f0 0d3cebf3 05410db8"
		"3d7784b6 07323d22 0f24b0a9 7d541828"
		"00cadb0f 68d99ef0 e0c0c89a e9bea888"
		"4e52d65b c1afd074 0f742444 747b5b39"
		"ab533163 aad4550e e5160975 cdb608c5"
		"76918960 9763b8e1 8caa81e2",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 11",
		.suite = XS_SUITE_AES256GCM16,
		.key =
		"abbccdde f0011223 34455667 78899aab"
		"abbccdde f0011223 34455667 78899aab"
		"73616c74",
		.spi = 0x17405e67,
		.seq = 0x156f3126dd0db99b,
		.esn = true,
		.iv = "616e640169766563",
		.plain =
		"63697363 6f017275 6c657301 74686501"
		"6e657477 65016465 66696e65 01746865"
		"74656368 6e6f6c6f 67696573 01746861"
		"7477696c 6c016465 66696e65 746f6d6f"
		"72726f77 01020201",
		.esp =
		"17405e67 dd0db99b 616e6401 69766563"
		"d4b7ed86 a1777f2e a13d6973 d324c69e"
		"7b43f826 fb568312 26508beb d2dceb18"
		"d0a6df10 e5487df0 74113e14 c641024e"
		"3e6773d9 1a62ee42 9b043a10 e3efe6b0"
		"12a49363 412364f8 c0cac587 f249e56b"
		"11e24f30 e44ccc76",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 12",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"7d773d00 c144c525 ac619d18 c84a3f47"
		"d9664267",
		.spi = 0x335467ae,
		.seq = 0xffffffff,
		.esn = false,
		.iv = "43457e9182443bc6",
		.plain =
		"01020201",
		.esp =
		"335467ae ffffffff 43457e91 82443bc6"
		"437f866b cb3f699f e9b0822b ac961c45"
		"04bef270",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 13",
		.suite = XS_SUITE_AES128GCM16,
		.key =
		"abbccdde f0011223 34455667 78899aab"
		"decaf888",
		.spi = 0x00000100,
		.seq = 0x0000000000000001,
		.esn = true,
		.iv = "cafedebaceface74",
		.plain =
		"746f0162 65016f72 016e6f74 01746f01"
		"62650001",
		.esp =
		"00000100 00000001 cafedeba ceface74"
		"29c9fc69 a197d038 ccdd14e2 ddfcaa05"
		"43332164 41250352 4303ed3c 6c5f2838"
		"43af8c3e",
	},
	{
		.name = "draft-mcgrew-gcm-test-01 AES-GCM case 14",
		.suite = XS_SUITE_AES256GCM16,
		.key =
		"6c656761 6c697a65 6d617269 6a75616e"
		"61616e64 646f6974 6265666f 72656961"
		"7475726e",
		.spi = 0x796b6963,
		.seq = 0xffffffffffffffff,
		.esn = true,
		.iv = "333021696765746d",
		.plain =
		"45000030 da3a0000 8001df3b c0a80005"
		"c0a80001 0800c6cd 02000700 61626364"
		"65666768 696a6b6c 6d6e6f70 71727374"
		"01020201",
		.esp =
		"796b6963 ffffffff 33302169 6765746d"
		"f97ab2aa 356d8edc e17644ac 8c78e25d"
		"d24dedbb 29ebf1b6 4a274b39 b49c3a86"
		"4cd3d78c a4ae68a3 2b42458f b57dbe82"
		"1dcc63b9 d0937ba2 945f6693 68661a32"
		"9fb4c053",
	},
};

/* RFC 7634 Appendix A: ChaCha20-Poly1305 ESP example (tunnel mode, an
 * ICMP echo from 198.51.100.5 to 192.0.2.5 as the inner datagram). */
static const struct vec_esp vec_chacha = {
	.name = "RFC 7634 Appendix A",
	.suite = XS_SUITE_CHACHA20POLY1305,
		.key =
		"80818283 84858687 88898a8b 8c8d8e8f"
		"90919293 94959697 98999a9b 9c9d9e9f"
		"a0a1a2a3",
		.plain =
		"45000054 a6f20000 4001e778 c6336405"
		"c0000205 08005b7a 3a080000 553bec10"
		"00073627 08090a0b 0c0d0e0f 10111213"
		"14151617 18191a1b 1c1d1e1f 20212223"
		"24252627 28292a2b 2c2d2e2f 30313233"
		"34353637 01020204",
		.esp =
		"01020304 00000005 10111213 14151617"
		"24039428 b97f417e 3c13753a 4f05087b"
		"67c352e6 a7fab1b9 82d466ef 407ae5c6"
		"14ee8099 d52844eb 61aa95df ab4c02f7"
		"2aa71e7c 4c4f64c9 befe2fac c638e8f3"
		"cbec163f ac469b50 2773f6fb 94e664da"
		"9165b828 29f641e0 76aaa826 6b7fb0f7"
		"b11b3699 07e1ad43",

	.spi = 0x01020304,
	.seq = 5,
	.esn = false,
	.iv = "1011121314151617",
};

/*
 * RFC 3602 §4, cases #5-#8: ESP packets with AES-128-CBC and no
 * integrity algorithm, each carrying an ICMP echo. Cases #5 and #6 are
 * transport mode, #7 and #8 tunnel mode. The engine's
 * CBC suite appends HMAC-SHA-256-128 (RFC 4868); the tests compute that
 * ICV separately and compare the published bytes before it.
 */
static const struct vec_esp vec_cbc_esp[] = {
	{
		.name = "RFC 3602 case #5",
		.suite = XS_SUITE_AES128CBC_SHA256,
		.key = "90d382b410eeba7ad938c46cec1a82bf",
		.spi = 0x00004321,
		.seq = 1,
		.esn = false,
		.iv = "e96e8c08ab465763fd098d45dd3ff893",
		.plain =
		"08000ebd a70a0000 8e9c083d b95b0700"
		"08090a0b 0c0d0e0f 10111213 14151617"
		"18191a1b 1c1d1e1f 20212223 24252627"
		"28292a2b 2c2d2e2f 30313233 34353637"
		"01020304 05060708 090a0b0c 0d0e0e01",
		.esp =
		"00004321 00000001 e96e8c08 ab465763"
		"fd098d45 dd3ff893 f663c25d 325c18c6"
		"a9453e19 4e120849 a4870b66 cc6b9965"
		"330013b4 898dc856 a4699e52 3a55db08"
		"0b59ec3a 8e4b7e52 775b07d1 db34ed9c"
		"538ab50c 551b874a a269add0 47ad2d59"
		"13ac19b7 cfbad4a6",
	},
	{
		.name = "RFC 3602 case #6",
		.suite = XS_SUITE_AES128CBC_SHA256,
		.key = "90d382b410eeba7ad938c46cec1a82bf",
		.spi = 0x00004321,
		.seq = 8,
		.esn = false,
		.iv = "69d08df7d203329db093fc4924e5bd80",
		.plain =
		"0800b5e8 a80a0500 a69c083d 0b660e00"
		"77777777 77777777 77777777 01020201",
		.esp =
		"00004321 00000008 69d08df7 d203329d"
		"b093fc49 24e5bd80 f5199588 1ec4e0c4"
		"488987ce 742e8109 689bb379 d2d750c0"
		"d915dca3 46a89f75",
	},
	{
		.name = "RFC 3602 case #7",
		.suite = XS_SUITE_AES128CBC_SHA256,
		.key = "0123456789abcdef0123456789abcdef",
		.spi = 0x00008765,
		.seq = 2,
		.esn = false,
		.iv = "f4e765244f6407adf13dc1380f673f37",
		.plain =
		"45000054 09040000 4001f988 c0a87b03"
		"c0a87bc8 08009f76 a90a0100 b49c083d"
		"02a20400 08090a0b 0c0d0e0f 10111213"
		"14151617 18191a1b 1c1d1e1f 20212223"
		"24252627 28292a2b 2c2d2e2f 30313233"
		"34353637 01020304 05060708 090a0a04",
		.esp =
		"00008765 00000002 f4e76524 4f6407ad"
		"f13dc138 0f673f37 773b5241 a4c44922"
		"5e4f3ce5 ed611b0c 237ca96c f74a9301"
		"3c1b0ea1 a0cf70f8 e4ecaec7 8ac53aad"
		"7a0f022b 859243c6 47752e94 a859352b"
		"8a4d4d2d ecd136e5 c177f132 ad3fbfb2"
		"201ac990 4c74ee0a 109e0ca1 e4dfe9d5"
		"a100b842 f1c22f0d",
	},
	{
		.name = "RFC 3602 case #8",
		.suite = XS_SUITE_AES128CBC_SHA256,
		.key = "0123456789abcdef0123456789abcdef",
		.spi = 0x00008765,
		.seq = 5,
		.esn = false,
		.iv = "85d47224b5f3dd5d2101d4ea8dffab22",
		.plain =
		"45000044 090c0000 4001f990 c0a87b03"
		"c0a87bc8 0800d63c aa0a0200 c69c083d"
		"a3de0300 ffffffff ffffffff ffffffff"
		"ffffffff ffffffff ffffffff ffffffff"
		"ffffffff 01020304 05060708 090a0a04",
		.esp =
		"00008765 00000005 85d47224 b5f3dd5d"
		"2101d4ea 8dffab22 15b92683 819596a8"
		"047232cc 00f7048f e45318e1 1f8a0f62"
		"ede3c3fc 61203bb5 0f980a08 c9843fd3"
		"a1b06d5c 07ff9639 b7eb7dfb 3512e5de"
		"435e7207 ed971ef3 d2726d9b 5ef6affc"
		"6d17a0de cbb13892",
	},
};

/* RFC 3602 §4, cases #1-#4: AES-128-CBC without ESP framing. */
struct vec_cbc {
	const char *name;
	const char *key;
	const char *iv;
	const char *plain;
	const char *cipher;
};

static const struct vec_cbc vec_cbc_raw[] = {
	{
		.name = "RFC 3602 case #1",
		.key = "06a9214036b8a15b512e03d534120006",
		.iv = "3dafba429d9eb430b422da802c9fac41",
		/* "Single block msg" */
		.plain = "53696e676c6520626c6f636b206d7367",
		.cipher = "e353779c1079aeb82708942dbe77181a",
	},
	{
		.name = "RFC 3602 case #2",
		.key = "c286696d887c9aa0611bbb3e2025a45a",
		.iv = "562e17996d093d28ddb3ba695a2e6f58",
		.plain =
		"00010203 04050607 08090a0b 0c0d0e0f"
		"10111213 14151617 18191a1b 1c1d1e1f",
		.cipher =
		"d296cd94 c2cccf8a 3a863028 b5e1dc0a"
		"7586602d 253cfff9 1b8266be a6d61ab1",
	},
	{
		.name = "RFC 3602 case #3",
		.key = "6c3ea0477630ce21a2ce334aa746c2cd",
		.iv = "c782dc4c098c66cbd9cd27d825682c81",
		/* "This is a 48-byte message (exactly 3 AES blocks)" */
		.plain =
		"54686973 20697320 61203438 2d627974"
		"65206d65 73736167 65202865 78616374"
		"6c792033 20414553 20626c6f 636b7329",
		.cipher =
		"d0a02b38 36451753 d493665d 33f0e886"
		"2dea54cd b293abc7 50693927 6772f8d5"
		"021c1921 6bad525c 8579695d 83ba2684",
	},
	{
		.name = "RFC 3602 case #4",
		.key = "56e47a38c5598974bc46903dba290349",
		.iv = "8ce82eefbea0da3c44699ed7db51b7d9",
		.plain =
		"a0a1a2a3 a4a5a6a7 a8a9aaab acadaeaf"
		"b0b1b2b3 b4b5b6b7 b8b9babb bcbdbebf"
		"c0c1c2c3 c4c5c6c7 c8c9cacb cccdcecf"
		"d0d1d2d3 d4d5d6d7 d8d9dadb dcdddedf",
		.cipher =
		"c30e32ff edc0774e 6aff6af0 869f71aa"
		"0f3af07a 9a31a9c6 84db207e b0ef8e4e"
		"35907aa6 32c3ffdf 868bb7b2 9d3d46ad"
		"83ce9f9a 102ee99d 49a53e87 f4c3da55",
	},
};

/* RFC 4868 §2.7.2.1: HMAC-SHA-256-128 authenticator test cases with
 * 32-byte keys; "mac" is the full HMAC-SHA-256 output (the PRF value of
 * §2.7.1), the ICV is its first 16 bytes. */
struct vec_hmac {
	const char *name;
	const char *key;
	const char *data;
	const char *mac;
};

static const struct vec_hmac vec_hmac_sha256[] = {
	{
		.name = "RFC 4868 AUTH256-1",
		.key =
		"0b0b0b0b 0b0b0b0b 0b0b0b0b 0b0b0b0b"
		"0b0b0b0b 0b0b0b0b 0b0b0b0b 0b0b0b0b",
		/* "Hi There" */
		.data = "4869205468657265",
		.mac =
		"198a607e b44bfbc6 9903a0f1 cf2bbdc5"
		"ba0aa3f3 d9ae3c1c 7a3b1696 a0b68cf7",
	},
	{
		.name = "RFC 4868 AUTH256-2",
		/* "JefeJefeJefeJefeJefeJefeJefeJefe" */
		.key =
		"4a656665 4a656665 4a656665 4a656665"
		"4a656665 4a656665 4a656665 4a656665",
		/* "what do ya want for nothing?" */
		.data =
		"77686174 20646f20 79612077 616e7420"
		"666f7220 6e6f7468 696e673f",
		.mac =
		"167f9285 88c5cc2e ef8e3093 caa0e87c"
		"9ff566a1 4794aa61 648d8162 1a2a40c6",
	},
	{
		.name = "RFC 4868 AUTH256-3",
		.key =
		"aaaaaaaa aaaaaaaa aaaaaaaa aaaaaaaa"
		"aaaaaaaa aaaaaaaa aaaaaaaa aaaaaaaa",
		/* 50 bytes of 0xdd */
		.data =
		"dddddddd dddddddd dddddddd dddddddd"
		"dddddddd dddddddd dddddddd dddddddd"
		"dddddddd dddddddd dddddddd dddddddd"
		"dddd",
		.mac =
		"cdcb1220 d1ecccea 91e53aba 3092f962"
		"e549fe6c e9ed7fdc 43191fbd e45c30b0",
	},
	{
		.name = "RFC 4868 AUTH256-4",
		.key =
		"01020304 05060708 090a0b0c 0d0e0f10"
		"11121314 15161718 191a1b1c 1d1e1f20",
		/* 50 bytes of 0xcd */
		.data =
		"cdcdcdcd cdcdcdcd cdcdcdcd cdcdcdcd"
		"cdcdcdcd cdcdcdcd cdcdcdcd cdcdcdcd"
		"cdcdcdcd cdcdcdcd cdcdcdcd cdcdcdcd"
		"cdcd",
		.mac =
		"372efcf9 b40b35c2 115b1346 903d2ef4"
		"2fced46f 0846e725 7bb156d3 d7b30d3f",
	},
};

#endif
