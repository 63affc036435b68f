package io.mosn4j.cel;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * MOSN writes its expressions in CEXL, CEL plus one sugar: {@code a | b} means "a, or b when a has
 * no value" ({@code request.headers["x"] | "none"}). CEL has no single {@code |}, so this turns each
 * one into the {@code pick(a, b)} macro before CEL parses the text. {@code |} binds like Go's (as
 * tightly as {@code +}, left to right), so {@code h["x"] | "e" == "d"} is {@code pick(h["x"], "e") == "d"}.
 * Text without a single {@code |} is returned as it is.
 */
final class Cexl {
    /** Operators that bind less tightly than {@code |}: an operand of {@code |} ends at them. */
    private static final Set<String> LOOSER = Set.of("==", "!=", "<", "<=", ">", ">=", "&&", "||", "?", ":", ",", "in");
    private static final Set<String> OPEN = Set.of("(", "[", "{");
    private static final Set<String> CLOSE = Set.of(")", "]", "}");

    private Cexl() {}

    static String toCel(String src) {
        List<String> tokens = tokens(src);
        if (!tokens.contains("|")) {
            return src;
        }
        for (int bar = tokens.indexOf("|"); bar >= 0; bar = tokens.indexOf("|")) {
            int from = leftStart(tokens, bar);
            int to = rightEnd(tokens, bar);
            List<String> pick = new ArrayList<>();
            pick.add("pick(");
            pick.addAll(tokens.subList(from, bar));
            pick.add(",");
            pick.addAll(tokens.subList(bar + 1, to));
            pick.add(")");
            tokens.subList(from, to).clear();
            tokens.addAll(from, pick);
        }
        return String.join(" ", tokens);
    }

    /** The first token of {@code |}'s left operand: back to a looser operator or an unclosed bracket. */
    private static int leftStart(List<String> t, int bar) {
        int depth = 0;
        int i = bar - 1;
        for (; i >= 0; i--) {
            String s = t.get(i);
            if (CLOSE.contains(s)) {
                depth++;
            } else if (OPEN.contains(s) || s.endsWith("(")) {
                if (depth == 0) {
                    break;
                }
                depth--;
            } else if (depth == 0 && LOOSER.contains(s)) {
                break;
            }
        }
        return i + 1;
    }

    /** One past {@code |}'s right operand: up to a looser or equally loose binary operator, or a closing bracket. */
    private static int rightEnd(List<String> t, int bar) {
        int depth = 0;
        boolean afterOperand = false;
        int i = bar + 1;
        for (; i < t.size(); i++) {
            String s = t.get(i);
            if (OPEN.contains(s) || s.endsWith("(")) {
                depth++;
                afterOperand = false;
                continue;
            }
            if (CLOSE.contains(s)) {
                if (depth == 0) {
                    break;
                }
                depth--;
                afterOperand = true;
                continue;
            }
            if (depth == 0 && (LOOSER.contains(s) || s.equals("|") || (afterOperand && (s.equals("+") || s.equals("-"))))) {
                break;
            }
            afterOperand = isOperand(s);
        }
        return i;
    }

    private static boolean isOperand(String s) {
        char c = s.charAt(0);
        return Character.isLetterOrDigit(c) || c == '_' || c == '"' || c == '\'';
    }

    /** CEL's tokens, enough to find operands: literals kept whole, two-character operators kept together. */
    private static List<String> tokens(String src) {
        List<String> out = new ArrayList<>();
        int n = src.length();
        int i = 0;
        while (i < n) {
            char c = src.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && src.charAt(j) != c) {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                j = Math.min(j + 1, n);
                out.add(src.substring(i, j));
                i = j;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                int j = i + 1;
                while (j < n && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_' || src.charAt(j) == '.')) {
                    j++;
                }
                out.add(src.substring(i, j));
                i = j;
            } else {
                String two = i + 1 < n ? src.substring(i, i + 2) : "";
                if (Set.of("==", "!=", "<=", ">=", "&&", "||").contains(two)) {
                    out.add(two);
                    i += 2;
                } else {
                    out.add(String.valueOf(c));
                    i++;
                }
            }
        }
        // a call's name and its "(" stay one token, so that an operand boundary never splits them
        for (int k = out.size() - 1; k > 0; k--) {
            if (out.get(k).equals("(") && isOperand(out.get(k - 1)) && !out.get(k - 1).startsWith("\"")
                    && !out.get(k - 1).startsWith("'") && !LOOSER.contains(out.get(k - 1))) {
                out.set(k - 1, out.get(k - 1) + "(");
                out.remove(k);
            }
        }
        return out;
    }
}
