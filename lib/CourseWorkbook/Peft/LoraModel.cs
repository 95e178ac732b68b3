using System.Text.Json;
using System.Text.Json.Nodes;
using CourseWorkbook.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>
/// A model with LoRA adapters injected into its Linear layers by name (peft's get_peft_model): the base weights are
/// frozen, each target Linear gets a <see cref="LoraLayer"/>, and only the active adapter trains. Adapters can be
/// added, switched, merged into the weights and unmerged, and saved alone as peft does: adapter_model.safetensors
/// with keys "base_model.model.&lt;module&gt;.lora_A.weight" and an adapter_config.json.
/// </summary>
public sealed class LoraModel
{
    /// <summary>The prefix peft's PeftModel + LoraModel wrappers give every key.</summary>
    public const string KeyPrefix = "base_model.model.";
    /// <summary>peft's file names.</summary>
    public const string WeightsFile = "adapter_model.safetensors", ConfigFile = "adapter_config.json";

    readonly List<LoraLayer> layers = new();
    readonly Dictionary<string, LoraConfig> adapters = new();

    LoraModel(nn.Module model) => Model = model;

    /// <summary>The adapted model (the same object that was passed in, now with adapters inside).</summary>
    public nn.Module Model { get; }
    /// <summary>The adapted layers, in module order.</summary>
    public IReadOnlyList<LoraLayer> Layers => layers;
    /// <summary>Adapter names and their settings.</summary>
    public IReadOnlyDictionary<string, LoraConfig> Adapters => adapters;
    /// <summary>The adapter the forward pass uses.</summary>
    public string ActiveAdapter { get; private set; } = "";

    /// <summary>Freezes every parameter of <paramref name="model"/> and injects adapter <paramref name="adapter"/>
    /// into the Linear layers that <paramref name="config"/> targets (peft's get_peft_model).</summary>
    public static LoraModel Inject(nn.Module model, LoraConfig config, string adapter = "default")
    {
        foreach (var (_, p) in model.named_parameters()) p.requires_grad = false;
        var lora = new LoraModel(model);
        lora.AddAdapter(adapter, config);
        lora.SetAdapter(adapter);
        return lora;
    }

    /// <summary>Adds a second (third...) adapter on the layers its config targets; the active one does not change
    /// (peft's add_adapter). A is drawn from the current torch seed.</summary>
    public void AddAdapter(string adapter, LoraConfig config)
    {
        config.Validate();
        if (adapters.ContainsKey(adapter)) throw new ArgumentException($"adapter '{adapter}' exists already");
        var targets = Model.named_modules().Where(m => config.Matches(m.name)).ToList();
        if (targets.Count == 0)
            throw new ArgumentException($"no module matches the targets {string.Join(", ", config.Targets)}");
        foreach (var (name, module) in targets)
        {
            if (module is not Linear linear)
                throw new NotSupportedException($"{name} is a {module.GetType().Name}; LoRA here adapts Linear layers");
            var layer = layers.FirstOrDefault(l => l.ModuleName == name);
            if (layer is null) layers.Add(layer = new LoraLayer(linear, name));
            layer.AddAdapter(adapter, config);
        }
        adapters[adapter] = config;
        SetAdapter(ActiveAdapter.Length == 0 ? adapter : ActiveAdapter);
    }

    /// <summary>Makes <paramref name="adapter"/> the one the forward pass adds and the only one that trains
    /// (peft's set_adapter). Unmerge before switching.</summary>
    public void SetAdapter(string adapter)
    {
        if (!adapters.ContainsKey(adapter))
            throw new KeyNotFoundException($"no adapter '{adapter}'; have {string.Join(", ", adapters.Keys)}");
        if (layers.Any(l => l.MergedAdapters.Count > 0))
            throw new InvalidOperationException("an adapter is merged into the weights: Unmerge() before switching");
        ActiveAdapter = adapter;
        foreach (var l in layers) l.ActiveAdapter = l.Adapters.Contains(adapter) ? adapter : null;
        UpdateTrainable();
    }

    void UpdateTrainable()
    {
        foreach (var l in layers)
            foreach (var name in l.Adapters)
            {
                bool on = name == ActiveAdapter;
                l.A(name).requires_grad = on && l.Config(name).Variant != LoraVariant.LoRAFA;
                l.B(name).requires_grad = on;
                if (l.Magnitude(name) is { } m) m.requires_grad = on;
            }
    }

    /// <summary>Runs <paramref name="action"/> with every adapter switched off: the base model's outputs
    /// (peft's disable_adapter context).</summary>
    public T WithoutAdapters<T>(Func<T> action)
    {
        foreach (var l in layers) l.Disabled = true;
        try { return action(); }
        finally { foreach (var l in layers) l.Disabled = false; }
    }

    /// <summary>Adds the active adapter into the base weights (peft's merge_adapter): same outputs, no extra
    /// cost.</summary>
    public void Merge() { foreach (var l in layers) l.Merge(); }

    /// <summary>Takes merged updates out of the base weights again (peft's unmerge_adapter).</summary>
    public void Unmerge() { foreach (var l in layers) l.Unmerge(); }

    /// <summary>Parameters with requires_grad, counted once each.</summary>
    public long TrainableParameters => Trainable.Count(Model);
    /// <summary>All parameters (base and adapters), counted once each.</summary>
    public long AllParameters => Models.ParameterCounts.Count(Model);

    /// <summary>peft's print_trainable_parameters line: "trainable params: … || all params: … ||
    /// trainable%: …".</summary>
    public string TrainableSummary() => Trainable.Summary(Model);

    /// <summary>The adapter's tensors under peft's saved names ("base_model.model.&lt;module&gt;.lora_A.weight",
    /// lora_B.weight, lora_magnitude_vector), without the adapter name, as get_peft_model_state_dict returns
    /// them.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> AdapterStateDict(string? adapter = null)
    {
        adapter ??= ActiveAdapter;
        var list = new List<KeyValuePair<string, Tensor>>();
        foreach (var l in layers.Where(l => l.Adapters.Contains(adapter)))
        {
            list.Add(new(KeyPrefix + l.ModuleName + ".lora_A.weight", l.A(adapter)));
            list.Add(new(KeyPrefix + l.ModuleName + ".lora_B.weight", l.B(adapter)));
            if (l.Magnitude(adapter) is { } m) list.Add(new(KeyPrefix + l.ModuleName + ".lora_magnitude_vector", m));
        }
        return list;
    }

    /// <summary>Writes adapter_model.safetensors and adapter_config.json into <paramref name="folder"/>, each
    /// atomically; returns the size of the weights file in bytes.</summary>
    public long SaveAdapter(string folder, string? adapter = null)
    {
        adapter ??= ActiveAdapter;
        var config = adapters.TryGetValue(adapter, out var c) ? c
            : throw new KeyNotFoundException($"no adapter '{adapter}'");
        Directory.CreateDirectory(folder);
        var weights = Path.Combine(folder, WeightsFile);
        SafeTensorsFile.Save(weights, AdapterStateDict(adapter), new Dictionary<string, string> { ["format"] = "pt" });
        var json = new JsonObject
        {
            ["peft_type"] = "LORA", ["task_type"] = "CAUSAL_LM", ["r"] = config.R, ["lora_alpha"] = config.LoraAlpha,
            ["lora_dropout"] = config.LoraDropout, ["bias"] = "none",
            ["target_modules"] = new JsonArray(config.Targets.Select(t => (JsonNode)t).ToArray()),
            ["use_dora"] = config.Variant == LoraVariant.DoRA,
            ["courseworkbook_variant"] = config.Variant.ToString(),
        };
        Runtime.AtomicFile.WriteAllText(Path.Combine(folder, ConfigFile),
            json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new FileInfo(weights).Length;
    }

    /// <summary>Reads the settings of a saved adapter (peft's adapter_config.json).</summary>
    public static LoraConfig ReadConfig(string folder)
    {
        var path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no adapter config", path);
        var node = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"{path}: not a JSON object");
        int r = node["r"]?.GetValue<int>() ?? throw new InvalidDataException($"{path}: no \"r\"");
        var targets = (node["target_modules"] as JsonArray)?.Select(t => t!.GetValue<string>()).ToList()
            ?? throw new InvalidDataException($"{path}: no \"target_modules\" list");
        var variant = node["use_dora"]?.GetValue<bool>() == true ? LoraVariant.DoRA
            : Enum.TryParse<LoraVariant>(node["courseworkbook_variant"]?.GetValue<string>(), out var v) ? v
            : LoraVariant.LoRA;
        return new LoraConfig(r, node["lora_alpha"]?.GetValue<double>() ?? r,
            node["lora_dropout"]?.GetValue<double>() ?? 0,
            targets, variant);
    }

    /// <summary>Loads a saved adapter under the name <paramref name="adapter"/> (peft's load_adapter): the
    /// layers are created from its config, then every tensor of the file is checked (name and shape) and
    /// copied.</summary>
    public void LoadAdapter(string folder, string adapter)
    {
        var config = ReadConfig(folder);
        var path = Path.Combine(folder, WeightsFile);
        using var file = SafeTensorsFile.Open(path);
        AddAdapter(adapter, config);
        var expected = AdapterStateDict(adapter).ToDictionary(kv => kv.Key, kv => kv.Value);
        var unknown = file.Tensors.Select(t => t.Name).Where(n => !expected.ContainsKey(n)).ToList();
        var missing = expected.Keys.Where(k => file.Tensors.All(t => t.Name != k)).ToList();
        if (unknown.Count > 0 || missing.Count > 0)
            throw new InvalidDataException($"{path}: does not fit this model: "
                + (unknown.Count > 0 ? $"unknown {unknown[0]} (+{unknown.Count - 1}) " : "")
                + (missing.Count > 0 ? $"missing {missing[0]} (+{missing.Count - 1})" : ""));
        using var _ = no_grad();
        foreach (var (name, target) in expected)
        {
            using var t = file.ReadTensor(name);
            if (!t.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"{path}: {name} has shape [{string.Join(", ", t.shape)}], "
                    + $"the model expects [{string.Join(", ", target.shape)}]");
            target.copy_(t);
        }
    }
}
