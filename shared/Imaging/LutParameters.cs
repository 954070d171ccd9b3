namespace ProcessFarm.Shared.Imaging;

/// <summary>The user's exposure and gamma: <c>y = trunc(clamp(255 * (x/255 * 2^Ev)^(1/Gamma), 0, 255))</c>.</summary>
/// <param name="Ev">Exposure in stops; the input is multiplied by 2^Ev.</param>
/// <param name="Gamma">Gamma; the exponent is 1/Gamma. Must be finite and greater than zero.</param>
public readonly record struct LutParameters(double Ev, double Gamma)
{
    /// <summary>The identity-like default: no exposure change, gamma 1.</summary>
    public static LutParameters Identity => new(0, 1);

    /// <summary>Whether the native kernel accepts these values.</summary>
    public bool IsValid => double.IsFinite(Ev) && double.IsFinite(Gamma) && Gamma > 0;
}
