package dev.skein.server.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two small texts (policies are a few dozen lines), by longest common subsequence:
 * {@code -} removed, {@code +} added, two-space indent for context.
 */
public final class LineDiff {
    private LineDiff() {}

    public static List<String> diff(String oldText, String newText) {
        String[] a = oldText.split("\n", -1);
        String[] b = newText.split("\n", -1);
        int n = trimTrailingEmpty(a);
        int m = trimTrailingEmpty(b);
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[i].equals(b[j])) {
                out.add("  " + a[i]);
                i++;
                j++;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                out.add("- " + a[i++]);
            } else {
                out.add("+ " + b[j++]);
            }
        }
        return out;
    }

    private static int trimTrailingEmpty(String[] lines) {
        int n = lines.length;
        while (n > 0 && lines[n - 1].isEmpty()) {
            n--;
        }
        return n;
    }
}
