package dlp

// luhn reports whether the ASCII digits in d pass the Luhn check.
func luhn(d []byte) bool {
	sum, dbl := 0, false
	for i := len(d) - 1; i >= 0; i-- {
		n := int(d[i] - '0')
		if dbl {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
		dbl = !dbl
	}
	return len(d) > 0 && sum%10 == 0
}

// validNPI checks a 10-digit National Provider Identifier: Luhn over the
// digits prefixed with 80840.
func validNPI(d []byte) bool {
	if len(d) != 10 || (d[0] != '1' && d[0] != '2') {
		return false
	}
	buf := append([]byte("80840"), d...)
	return luhn(buf)
}

// validDEA checks a DEA registration number: two letters and seven digits,
// the last a check digit.
func validDEA(b []byte) bool {
	if len(b) != 9 || !isUpper(b[0]) || !(isUpper(b[1]) || b[1] == '9') {
		return false
	}
	switch b[0] {
	case 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'P', 'R', 'S', 'T', 'U', 'X':
	default:
		return false
	}
	var d [7]int
	for i := 0; i < 7; i++ {
		c := b[2+i]
		if !isDigit(c) {
			return false
		}
		d[i] = int(c - '0')
	}
	return (d[0]+d[2]+d[4]+2*(d[1]+d[3]+d[5]))%10 == d[6]
}

// validVIN checks a 17-character vehicle identification number, including
// the check digit in position 9.
func validVIN(b []byte) bool {
	if len(b) != 17 {
		return false
	}
	weights := [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum, digits, letters := 0, 0, 0
	for i, c := range b {
		v := vinValue(c)
		if v < 0 {
			return false
		}
		if isDigit(c) {
			digits++
		} else {
			letters++
		}
		sum += v * weights[i]
	}
	check := byte('0' + sum%11)
	if sum%11 == 10 {
		check = 'X'
	}
	return b[8] == check && digits >= 3 && letters >= 2
}

func vinValue(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	c = c &^ 0x20 // upper case
	const table = "ABCDEFGH.JKLMN.P.RSTUVWXYZ"
	vals := [26]int{1, 2, 3, 4, 5, 6, 7, 8, -1, 1, 2, 3, 4, 5, -1, 7, -1, 9, 2, 3, 4, 5, 6, 7, 8, 9}
	if c < 'A' || c > 'Z' || table[c-'A'] == '.' {
		return -1
	}
	return vals[c-'A']
}

// validSSN applies the SSA rules: area not 000, 666 or 9xx; group not 00;
// serial not 0000.
func validSSN(area, group, serial []byte) bool {
	a := string(area)
	return a != "000" && a != "666" && area[0] != '9' && string(group) != "00" && string(serial) != "0000"
}

// atoi parses a short run of ASCII digits; it returns -1 for anything else.
func atoi(b []byte) int {
	if len(b) == 0 || len(b) > 9 {
		return -1
	}
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
