import pygame
import random
import sys

# Screen settings
WIDTH = 600
HEIGHT = 400
CELL_SIZE = 20

# Colors
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
GREEN = (0, 200, 0)
RED = (220, 30, 30)
BLUE = (60, 120, 255)
CYAN = (0, 220, 220)
PURPLE = (170, 60, 200)

# Item configuration
ITEMS = {
    "speed": {"name": "Speed Boost", "color": BLUE, "stats": {"speed": 1.5, "duration": 5}},
    "shield": {"name": "Ice Shield", "color": CYAN, "stats": {"charges": 3}},
    "skin": {"name": "Purple Skin", "color": PURPLE, "stats": {"snake_color": PURPLE}},
}


class SnakeGame:
    def __init__(self):
        pygame.init()
        self.screen = pygame.display.set_mode((WIDTH, HEIGHT))
        pygame.display.set_caption("Snake Deluxe")
        self.clock = pygame.time.Clock()
        self.font = pygame.font.Font(None, 30)
        self.reset()

    def reset(self):
        self.snake = [(100, 100), (80, 100), (60, 100)]
        self.direction = (1, 0)
        self.speed = 12
        self.food = self.random_position()
        self.items = []
        self.current_item = "none"
        self.shield = 0
        self.snake_color = GREEN
        self.score = 0
        self.paused = False
        self.game_over = False

    def random_position(self):
        x = random.randint(0, (WIDTH - CELL_SIZE) // CELL_SIZE) * CELL_SIZE
        y = random.randint(0, (HEIGHT - CELL_SIZE) // CELL_SIZE) * CELL_SIZE
        return (x, y)

    def spawn_item(self):
        if len(self.items) < 3 and random.random() < 0.05:
            kind = random.choice(list(ITEMS.keys()))
            self.items.append((kind, self.random_position()))

    def handle_events(self):
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                pygame.quit()
                sys.exit()
            if event.type == pygame.KEYDOWN:
                if event.key == pygame.K_p:
                    self.paused = not self.paused
                elif self.game_over:
                    self.reset()
                elif event.key == pygame.K_UP and self.direction != (0, 1):
                    self.direction = (0, -1)
                elif event.key == pygame.K_DOWN and self.direction != (0, -1):
                    self.direction = (0, 1)
                elif event.key == pygame.K_LEFT and self.direction != (1, 0):
                    self.direction = (-1, 0)
                elif event.key == pygame.K_RIGHT and self.direction != (-1, 0):
                    self.direction = (1, 0)

    def update(self):
        x, y = self.snake[0]
        new_head = (x + self.direction[0] * self.speed, y + self.direction[1] * self.speed)

        # Collision with walls or itself
        if (new_head[0] < 0 or new_head[0] >= WIDTH or new_head[1] < 0 or new_head[1] >= HEIGHT
                or new_head in self.snake):
            self.game_over = True
            return

        self.snake.insert(0, new_head)
        if abs(new_head[0] - self.food[0]) < CELL_SIZE and abs(new_head[1] - self.food[1]) < CELL_SIZE:
            self.score += 1
            self.food = self.random_position()
        else:
            self.snake.pop()

        self.spawn_item()

    def draw(self):
        self.screen.fill(BLACK)
        for segment in self.snake:
            pygame.draw.rect(self.screen, self.snake_color, (segment[0], segment[1], CELL_SIZE, CELL_SIZE))
        pygame.draw.rect(self.screen, RED, (self.food[0], self.food[1], CELL_SIZE, CELL_SIZE))
        for kind, pos in self.items:
            pygame.draw.rect(self.screen, ITEMS[kind]["color"], (pos[0], pos[1], CELL_SIZE, CELL_SIZE))
        text = self.font.render(f"Score: {self.score}", True, WHITE)
        self.screen.blit(text, (10, 10))
        if self.game_over:
            over = self.font.render("GAME OVER - press any key", True, WHITE)
            self.screen.blit(over, (WIDTH // 2 - 150, HEIGHT // 2 - 40))
        if self.paused:
            pause_text = self.font.render("PAUSED", True, WHITE)
            self.screen.blit(pause_text, (WIDTH // 2 - 40, HEIGHT // 2))
        pygame.display.flip()

    def run(self):
        while True:
            self.handle_events()
            if not self.paused and not self.game_over:
                self.update()
            self.draw()
            self.clock.tick(10)


if __name__ == "__main__":
    SnakeGame().run()
