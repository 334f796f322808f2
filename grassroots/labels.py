"""Codes of the section's project and activity kinds, with their Chinese names (stored in the
core's Project.kind and Activity.kind)."""

SANSHE = "sanshe"
REHAB = "rehab"
HAPPINESS = "happiness"
COMMUNITY_CENTER = "community_center"
ELDER_ASSOC_DEMO = "elder_assoc_demo"

PROJECT_KINDS = {
    SANSHE: "三社联动",
    REHAB: "精神障碍社区康复购买服务",
    HAPPINESS: "幸福计划",
    COMMUNITY_CENTER: "社区综合服务场所",
    ELDER_ASSOC_DEMO: "老年协会示范点",
}

ANTIGANG_PUBLICITY = "antigang_publicity"
ACTIVITY_KINDS = {ANTIGANG_PUBLICITY: "扫黑除恶宣传资料"}
