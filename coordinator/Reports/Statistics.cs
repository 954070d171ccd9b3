namespace ProcessFarm.Coordinator.Reports;

/// <summary>
/// The order statistics every report uses, so that "median" means one thing everywhere: the middle value of an
/// odd count, the mean of the two middle values of an even one.
/// </summary>
internal static class Statistics
{
    /// <summary>The true median of <paramref name="values"/>.</summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>
    /// The <paramref name="p"/> quantile (0 to 1), interpolated linearly between the two nearest ranks (the
    /// "R-7" definition of spreadsheets and NumPy), so that 0.5 is the median, 0 the minimum and 1 the maximum.
    /// </summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values];
        Array.Sort(sorted);
        return PercentileOfSorted(sorted, p);
    }

    /// <summary><see cref="Percentile"/> of values already in ascending order (large samples sort once).</summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static double PercentileOfSorted(IReadOnlyList<double> sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfLessThan(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 1);
        if (sorted.Count == 0)
        {
            throw new ArgumentException("no values", nameof(sorted));
        }
        double rank = p * (sorted.Count - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + ((rank - below) * (sorted[above] - sorted[below]));
    }

    /// <summary>The spread of <paramref name="values"/>: the interquartile range from 4 values on, else max - min.</summary>
    /// <exception cref="ArgumentException">There are no values.</exception>
    public static double Spread(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values];
        Array.Sort(sorted);
        return sorted.Length >= 4
            ? PercentileOfSorted(sorted, 0.75) - PercentileOfSorted(sorted, 0.25)
            : PercentileOfSorted(sorted, 1) - PercentileOfSorted(sorted, 0);
    }
}
