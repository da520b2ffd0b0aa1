import random
import sys

import pygame

CELL_SIZE = 20
COLS, ROWS = 32, 24
WIDTH, HEIGHT = COLS * CELL_SIZE, ROWS * CELL_SIZE
FPS = 12

BLACK = (15, 15, 20)
WHITE = (240, 240, 240)
GREEN = (60, 200, 90)
RED = (220, 50, 50)

# All item settings live here.
ITEMS = {
    "speed": {"color": (80, 140, 255), "stats": {"speed": 1.5, "duration": 5.0}},
    "shield": {"color": (120, 230, 255), "stats": {"charges": 3}},
    "skin": {"color": (200, 90, 220), "stats": {"snake_color": (200, 90, 220)}},
}
ITEM_CHANCE = 0.04
MAX_ITEMS = 3


class Game:
    def __init__(self):
        pygame.init()
        self.screen = pygame.display.set_mode((WIDTH, HEIGHT))
        pygame.display.set_caption("Snake + Items")
        self.clock = pygame.time.Clock()
        self.font = pygame.font.Font(None, 28)
        self.reset()

    def reset(self):
        self.snake = [(5, 10), (4, 10), (3, 10)]
        self.direction = (1, 0)
        self.food = self.free_cell()
        self.items = {}
        self.shield_charges = 0
        self.speed_until = 0.0
        self.speed_multiplier = 1.0
        self.snake_color = GREEN
        self.score = 0
        self.paused = False
        self.game_over = False

    def free_cell(self):
        while True:
            cell = (random.randrange(COLS), random.randrange(ROWS))
            if cell not in self.snake:
                return cell

    def award(self, kind):
        stats = ITEMS[kind]["stats"]
        if kind == "speed":
            self.speed_multiplier = stats.get("speed", 1.0)
            self.speed_until = pygame.time.get_ticks() / 1000 + stats["duration"]
        elif kind == "shield":
            self.shield_charges += stats["charges"]
        elif kind == "skin":
            self.snake_color = stats["snake_color"]

    def handle_key(self, key):
        if self.game_over:
            self.reset()
        elif key == pygame.K_p:
            self.paused = not self.paused
        elif key == pygame.K_UP and self.direction != (0, 1):
            self.direction = (0, -1)
        elif key == pygame.K_DOWN and self.direction != (0, -1):
            self.direction = (0, 1)
        elif key == pygame.K_LEFT and self.direction != (1, 0):
            self.direction = (-1, 0)
        elif key == pygame.K_RIGHT and self.direction != (-1, 0):
            self.direction = (1, 0)

    def step(self):
        x, y = self.snake[0]
        new_head = (x + self.direction[0], y + self.direction[1])
        hit_wall = not (0 <= new_head[0] < COLS and 0 <= new_head[1] < ROWS)
        if hit_wall or new_head in self.snake[:-1]:
            if self.shield_charges > 0:
                self.shield_charges -= 1
                return  # the shield absorbs this collision
            self.game_over = True
            return
        self.snake.insert(0, new_head)
        if new_head == self.food:
            self.score += 1
            self.food = self.free_cell()
        else:
            self.snake.pop()
        if new_head in self.items:
            self.award(self.items.pop(new_head))
            self.score += 3
        if len(self.items) < MAX_ITEMS and random.random() < ITEM_CHANCE:
            self.items[self.free_cell()] = random.choice(list(ITEMS))

    def draw_cell(self, cell, color):
        rect = (cell[0] * CELL_SIZE, cell[1] * CELL_SIZE, CELL_SIZE - 1, CELL_SIZE - 1)
        pygame.draw.rect(self.screen, color, rect)

    def draw(self):
        self.screen.fill(BLACK)
        for segment in self.snake:
            self.draw_cell(segment, self.snake_color)
        self.draw_cell(self.food, RED)
        for cell, kind in self.items.items():
            self.draw_cell(cell, ITEMS[kind]["color"])
        hud = f"Score: {self.score}   Shield: {self.shield_charges}"
        self.screen.blit(self.font.render(hud, True, WHITE), (8, 6))
        if self.paused:
            self.screen.blit(self.font.render("Paused - P to resume", True, WHITE), (WIDTH // 2 - 100, HEIGHT // 2))
        if self.game_over:
            self.screen.blit(self.font.render("Game over - press any key", True, WHITE), (WIDTH // 2 - 120, HEIGHT // 2))
        pygame.display.flip()

    def run(self):
        while True:
            for event in pygame.event.get():
                if event.type == pygame.QUIT:
                    pygame.quit()
                    sys.exit()
                if event.type == pygame.KEYDOWN:
                    self.handle_key(event.key)
            if pygame.time.get_ticks() / 1000 > self.speed_until:
                self.speed_multiplier = 1.0
            if not self.paused and not self.game_over:
                self.step()
            self.draw()
            self.clock.tick(FPS * self.speed_multiplier)


if __name__ == "__main__":
    Game().run()
