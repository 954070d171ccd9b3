using ProcessFarm.Coordinator.Echo;
using ProcessFarm.Coordinator.Reports;
using Xunit;

namespace ProcessFarm.Tests.Reports;

public class StatisticsTests
{
    [Theory]
    [InlineData(new[] { 3.0, 1, 2 }, 2)]
    [InlineData(new[] { 5.0 }, 5)]
    [InlineData(new[] { 4.0, 1, 3, 2 }, 2.5)]
    [InlineData(new[] { 1.0, 9 }, 5)] // two runs: the mean, not the larger one
    [InlineData(new[] { 7.0, 7, 1, 100 }, 7)]
    public void Median_IsTheMiddleValue_OrTheMeanOfTheMiddleTwo(double[] values, double median)
    {
        Assert.Equal(median, Statistics.Median(values), 12);
    }

    [Fact]
    public void Median_DoesNotReorderItsInput()
    {
        double[] values = [3, 1, 2];
        Statistics.Median(values);
        Assert.Equal([3.0, 1, 2], values);
    }

    [Theory]
    [InlineData(0.0, 10)]
    [InlineData(1.0, 50)]
    [InlineData(0.5, 30)]
    [InlineData(0.25, 20)]
    [InlineData(0.99, 49.6)]
    public void Percentile_InterpolatesBetweenRanks(double p, double expected)
    {
        Assert.Equal(expected, Statistics.Percentile([50, 10, 40, 20, 30], p), 9);
    }

    [Fact]
    public void Median_OfNothing_Throws() => Assert.Throws<ArgumentException>(() => Statistics.Median([]));

    [Fact]
    public void Spread_IsTheInterquartileRange_FromFourValues_ElseTheRange()
    {
        Assert.Equal(2.0, Statistics.Spread([1, 2, 3, 4, 5]), 9); // Q3 4 - Q1 2
        Assert.Equal(4.0, Statistics.Spread([1, 5, 3]), 9);
    }

    [Fact]
    public void EchoMeasurement_WithAnEvenRepeat_ReportsTheTrueMedian()
    {
        var measurement = new EchoMeasurement("pipe", "bytes", 1 << 20, 1, [0.004, 0.001, 0.003, 0.002]);

        Assert.Equal(0.0025, measurement.Median, 12);
        Assert.Equal(2.0 * (1 << 20) / 0.0025 / 1e9, measurement.ThroughputGbps, 9);
    }
}
